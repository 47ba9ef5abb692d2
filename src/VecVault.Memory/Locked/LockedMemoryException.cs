namespace VecVault.Memory.Locked;

/// <summary>Locked memory was required and could not be had.</summary>
public sealed class LockedMemoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LockedMemoryException(string message)
        : base(message)
    {
    }
}
