namespace VecVault.Storage.Log;

/// <summary>When a write is acknowledged.</summary>
public enum Durability
{
    /// <summary>After the FasterLog commit that holds it completes. The default.</summary>
    Commit,

    /// <summary>As soon as it is in the log's memory; a crash loses the writes of the last commit interval.</summary>
    Async,
}
