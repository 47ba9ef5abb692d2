namespace VecVault.Storage.Log;

/// <summary>A committed record read back from a tenant's log.</summary>
/// <param name="Address">Its logical address in the log.</param>
/// <param name="Bytes">Its bytes.</param>
public readonly record struct LogRecord(long Address, byte[] Bytes);
