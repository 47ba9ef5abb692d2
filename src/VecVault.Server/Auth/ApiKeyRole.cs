namespace VecVault.Server.Auth;

/// <summary>What an API key may call.</summary>
public enum ApiKeyRole
{
    /// <summary>AdminService.</summary>
    Admin = 1,

    /// <summary>VectorService, for one tenant.</summary>
    Tenant = 2,
}
