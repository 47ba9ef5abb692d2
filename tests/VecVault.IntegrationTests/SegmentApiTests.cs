using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.IntegrationTests;

/// <summary>Sealing and compaction on demand over gRPC, and what GetServerStats reports of the segments.</summary>
public sealed class SegmentApiTests : IAsyncLifetime
{
    private readonly VaultServer _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task An_admin_seals_a_collection_and_compacts_a_tenant_and_the_data_stays_whole()
    {
        var apiKey = await _server.CreateTenantKeyAsync("acme");
        using var tenant = _server.Connect(apiKey);
        using var admin = _server.Connect(_server.AdminKey);
        await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = 4, Metric = Metric.L2 } });
        await tenant.UpsertManyAsync("c", Enumerable.Range(0, 500).Select(i => Points.Create((ulong)i, Vector(i))));

        var sealedSegment = await admin.Admin.SealCollectionAsync(new SealCollectionRequest { TenantId = "acme", Collection = "c" });
        Assert.NotEqual(0ul, sealedSegment.SegmentId);
        Assert.Equal(0ul, (await admin.Admin.SealCollectionAsync(new SealCollectionRequest { TenantId = "acme", Collection = "c" })).SegmentId);
        await tenant.Vectors.DeleteAsync(new DeletePointsRequest { Collection = "c", Ids = new PointIdList { Ids = { Enumerable.Range(0, 400).Select(i => new PointId { Num = (ulong)i }) } } });

        var compacted = await admin.Admin.CompactTenantAsync(new CompactTenantRequest { TenantId = "acme" });
        Assert.True(compacted.Rewritten);
        Assert.Equal(1u, compacted.CompactedSegments);
        Assert.False((await admin.Admin.CompactTenantAsync(new CompactTenantRequest { TenantId = "acme" })).Rewritten);

        // After a restart the compacted segment loads cold on the first search, and GetServerStats says so.
        await _server.StopAsync();
        await _server.StartAsync();
        using var again = _server.Connect(apiKey);
        Assert.Equal(100ul, (await again.Vectors.CountAsync(new CountRequest { Collection = "c" })).Count);
        var hit = (await again.Vectors.SearchAsync(new SearchRequest { Collection = "c", K = 1, Vector = Points.Vector(Vector(450)) })).Results.Single();
        Assert.Equal(450ul, hit.Id.Num);
        using var admin2 = _server.Connect(_server.AdminKey);
        var stats = (await admin2.Admin.GetServerStatsAsync(new GetServerStatsRequest())).Stats;
        Assert.Equal(1u, stats.LoadedSegments);
        Assert.Equal(1ul, stats.SegmentLoads);
        Assert.True(stats.LockedBytes > 0 && stats.LockedBudgetBytes > 0);
        Assert.True(stats.LoadUnwrapTime.ToTimeSpan() > TimeSpan.Zero && stats.LoadDecryptTime.ToTimeSpan() > TimeSpan.Zero);
        Assert.Empty(stats.Quarantined);
    }

    [Fact]
    public async Task Seal_and_compact_are_for_admins_and_name_what_is_wrong()
    {
        using var tenant = await _server.CreateTenantAsync("acme");
        using var admin = _server.Connect(_server.AdminKey);
        var denied = await Assert.ThrowsAsync<RpcException>(() => tenant.Admin.CompactTenantAsync(new CompactTenantRequest { TenantId = "acme" }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => admin.Admin.SealCollectionAsync(new SealCollectionRequest { TenantId = "acme", Collection = "nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var invalid = await Assert.ThrowsAsync<RpcException>(() => admin.Admin.CompactTenantAsync(new CompactTenantRequest { TenantId = "Not A Tenant" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal("tenant_id", invalid.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Single().Field);
    }

    private static float[] Vector(int i) => [i, i % 7, 1, -i];
}
