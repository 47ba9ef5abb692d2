using VecVault.Core.Ids;
using VecVault.Core.Keys;

namespace VecVault.Core.Tenants;

/// <summary>A tenant as reported to admins.</summary>
/// <param name="Id">The tenant's id.</param>
/// <param name="Kek">The current KEK reference.</param>
/// <param name="KekVersion">Incremented by each KEK rotation; starts at 1.</param>
/// <param name="State">Current state.</param>
/// <param name="OutagePolicy">What requests get while the HSM is unreachable.</param>
/// <param name="OutageGrace">Grace period for warm serving.</param>
/// <param name="CreatedAt">When the tenant was created.</param>
/// <param name="CollectionCount">Number of collections.</param>
/// <param name="PointCount">Live points over all collections (0 while the tenant is not served).</param>
public sealed record TenantInfo(
    TenantId Id,
    KekReference Kek,
    uint KekVersion,
    TenantState State,
    OutagePolicy OutagePolicy,
    TimeSpan OutageGrace,
    DateTimeOffset CreatedAt,
    int CollectionCount,
    long PointCount);
