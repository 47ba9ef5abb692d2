using VecVault.Core.Ids;
using VecVault.Core.Keys;

namespace VecVault.Core.Tenants;

/// <summary>What an admin asks for when creating a tenant.</summary>
/// <param name="Id">The tenant's id.</param>
/// <param name="Kek">Where the tenant's KEK lives.</param>
/// <param name="OutagePolicy">What requests get while the HSM is unreachable.</param>
/// <param name="OutageGrace">How long warm segments keep serving under <see cref="OutagePolicy.ServeWarm"/>.</param>
public sealed record TenantSpec(TenantId Id, KekReference Kek, OutagePolicy OutagePolicy, TimeSpan OutageGrace);
