namespace VecVault.Core.Tenants;

/// <summary>The state of a tenant as the key monitor last saw it.</summary>
public enum TenantState
{
    /// <summary>The KEK is usable; requests are served.</summary>
    Active = 1,

    /// <summary>The KEK was deleted or disabled in the HSM; every request is denied.</summary>
    KeyRevoked = 2,

    /// <summary>The HSM does not answer.</summary>
    HsmUnavailable = 3,
}
