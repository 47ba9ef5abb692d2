using VecVault.Core.Ids;

namespace VecVault.Server.Auth;

/// <summary>The authenticated caller of a request.</summary>
/// <param name="KeyId">The API key's id.</param>
/// <param name="Role">What it may call.</param>
/// <param name="Tenant">The tenant a tenant key is bound to.</param>
public sealed record Caller(string KeyId, ApiKeyRole Role, TenantId? Tenant);
