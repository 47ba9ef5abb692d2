using VecVault.Storage.Log;

namespace VecVault.Engine;

/// <summary>Settings of the engine.</summary>
public sealed record EngineOptions
{
    /// <summary>Root of all data: each tenant's log lives in <c>&lt;DataDirectory&gt;/tenants/&lt;tenant-id&gt;/</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Settings of each tenant's log.</summary>
    public TenantLogOptions Log { get; init; } = new();
}
