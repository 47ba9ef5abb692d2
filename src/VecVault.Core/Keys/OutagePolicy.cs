namespace VecVault.Core.Keys;

/// <summary>What a tenant's requests get while its HSM is unreachable.</summary>
public enum OutagePolicy
{
    /// <summary>Keep serving segments already loaded, for a grace period.</summary>
    ServeWarm = 1,

    /// <summary>Deny every request with UNAVAILABLE until the HSM answers again.</summary>
    FailClosed = 2,
}
