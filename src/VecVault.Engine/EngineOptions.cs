using VecVault.Storage.Log;

namespace VecVault.Engine;

/// <summary>Settings of the engine.</summary>
public sealed record EngineOptions
{
    /// <summary>Root of all data: each tenant's log lives in <c>&lt;DataDirectory&gt;/tenants/&lt;tenant-id&gt;/</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Settings of each tenant's log.</summary>
    public TenantLogOptions Log { get; init; } = new();

    /// <summary>
    /// How often every tenant's KEK is checked in its HSM. A deleted or disabled KEK is acted on within about one
    /// interval plus the HSM's answer time; zero turns the monitor off (tests call <see cref="VaultEngine.CheckKeysAsync"/>).
    /// </summary>
    public TimeSpan KeyCheckInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Allow tenants with the benchmark-only key model <c>none</c> (no BYOK).</summary>
    public bool AllowKeyModelNone { get; init; }
}
