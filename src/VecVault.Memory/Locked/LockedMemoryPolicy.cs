namespace VecVault.Memory.Locked;

/// <summary>What happens when memory cannot be locked.</summary>
public enum LockedMemoryPolicy
{
    /// <summary>Allocation fails: plaintext never sits in swappable memory. The production default.</summary>
    Required,

    /// <summary>Allocation proceeds unlocked (still zeroed and left out of core dumps); the server warns at start.</summary>
    BestEffort,
}
