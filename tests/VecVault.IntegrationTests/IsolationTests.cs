using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat model row 11: every RPC with no key, a malformed key, a revoked key, another tenant's key, and the wrong
/// role's key is denied with the right code; another tenant's data never shows, and is NOT_FOUND exactly as if absent.
/// </summary>
public sealed class IsolationTests(IsolationTests.TwoTenants fixture) : IClassFixture<IsolationTests.TwoTenants>
{
    private const int Dimension = 4;

    /// <summary>Tenants acme (ids below 1,000,000) and globex (ids from 1,000,000) with the same collection names and random data.</summary>
    public sealed class TwoTenants : IAsyncLifetime
    {
        public VaultServer Server { get; } = new();

        public string AcmeKey { get; private set; } = "";

        public string GlobexKey { get; private set; } = "";

        public string RevokedKey { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Server.Settings["VecVault:Auth:MaxFailures"] = "100000";
            await Server.StartAsync();
            AcmeKey = await Server.CreateTenantKeyAsync("acme");
            GlobexKey = await Server.CreateTenantKeyAsync("globex");
            using var admin = Server.Connect(Server.AdminKey);
            var revoked = await admin.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = ApiKeyRole.Tenant, TenantId = "acme" });
            await admin.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = revoked.KeyId });
            RevokedKey = revoked.ApiKey;

            var random = new Random(11);
            foreach (var (key, firstId) in new[] { (AcmeKey, 0ul), (GlobexKey, 1_000_000ul) })
            {
                using var tenant = Server.Connect(key);
                foreach (var name in new[] { "docs", "shared-name" })
                {
                    await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = name, Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.L2 } });
                    var upsert = new UpsertRequest { Collection = name };
                    foreach (var id in Enumerable.Range(0, 300).Select(_ => firstId + (ulong)random.Next(0, 1000)).Distinct())
                    {
                        var point = Points.Create(id, Vector(random));
                        point.Payload["owner"] = new Value { StringValue = firstId == 0 ? "acme" : "globex" };
                        upsert.Points.Add(point);
                    }

                    await tenant.Vectors.UpsertAsync(upsert);
                }
            }

            using var acme = Server.Connect(AcmeKey);
            await acme.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "acme-only", Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.L2 } });
        }

        public Task DisposeAsync() => Server.DisposeAsync().AsTask();
    }

    /// <summary>Every VectorService RPC, given a client and the name of the collection to aim at.</summary>
    public static IEnumerable<(string Name, Func<VecVaultClient, string, Task> Call)> VectorCalls() =>
    [
        ("CreateCollection", (c, n) => c.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = n + "-new", Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.L2 } }).ResponseAsync),
        ("GetCollection", (c, n) => c.Vectors.GetCollectionAsync(new GetCollectionRequest { Name = n }).ResponseAsync),
        ("ListCollections", (c, _) => c.Vectors.ListCollectionsAsync(new ListCollectionsRequest()).ResponseAsync),
        ("DeleteCollection", (c, n) => c.Vectors.DeleteCollectionAsync(new DeleteCollectionRequest { Name = n }).ResponseAsync),
        ("Upsert", (c, n) => c.Vectors.UpsertAsync(new UpsertRequest { Collection = n, Points = { Points.Create(5, [1, 2, 3, 4]) } }).ResponseAsync),
        ("UpsertStream", (c, n) => c.UpsertManyAsync(n, [Points.Create(5, [1, 2, 3, 4])])),
        ("Get", (c, n) => c.Vectors.GetAsync(new GetPointsRequest { Collection = n, Ids = { new PointId { Num = 5 } } }).ResponseAsync),
        ("Delete", (c, n) => c.Vectors.DeleteAsync(new DeletePointsRequest { Collection = n, Ids = new PointIdList { Ids = { new PointId { Num = 5 } } } }).ResponseAsync),
        ("Search", (c, n) => c.Vectors.SearchAsync(new SearchRequest { Collection = n, K = 5, Vector = Points.Vector([1, 2, 3, 4]) }).ResponseAsync),
        ("SearchBatch", (c, n) => c.Vectors.SearchBatchAsync(new SearchBatchRequest { Collection = n, Searches = { new SearchRequest { K = 5, Vector = Points.Vector([1, 2, 3, 4]) } } }).ResponseAsync),
        ("Count", (c, n) => c.Vectors.CountAsync(new CountRequest { Collection = n }).ResponseAsync),
        ("Scroll", (c, n) => c.Vectors.ScrollAsync(new ScrollRequest { Collection = n }).ResponseAsync),
    ];

    /// <summary>Every AdminService RPC, aimed at tenant acme (destructive ones included: none may run).</summary>
    public static IEnumerable<(string Name, Func<VecVaultClient, Task> Call)> AdminCalls() =>
    [
        ("CreateTenant", c => c.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "intruder", Kek = new KekReference { Model = KeyModel.AesGcm, TokenLabel = "x", KeyLabel = "y" } }).ResponseAsync),
        ("GetTenant", c => c.Admin.GetTenantAsync(new GetTenantRequest { Id = "acme" }).ResponseAsync),
        ("ListTenants", c => c.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync),
        ("CreateApiKey", c => c.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = ApiKeyRole.Admin }).ResponseAsync),
        ("RevokeApiKey", c => c.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = "0000000000000000" }).ResponseAsync),
        ("RotateTenantKey", c => c.Admin.RotateTenantKeyAsync(new RotateTenantKeyRequest { TenantId = "acme" }).ResponseAsync),
        ("RotateDataKeys", c => c.Admin.RotateDataKeysAsync(new RotateDataKeysRequest { TenantId = "acme" }).ResponseAsync),
        ("ShredTenant", c => c.Admin.ShredTenantAsync(new ShredTenantRequest { TenantId = "acme", ConfirmTenantId = "acme" }).ResponseAsync),
        ("SealCollection", c => c.Admin.SealCollectionAsync(new SealCollectionRequest { TenantId = "acme", Collection = "docs" }).ResponseAsync),
        ("CompactTenant", c => c.Admin.CompactTenantAsync(new CompactTenantRequest { TenantId = "acme" }).ResponseAsync),
        ("StreamAuditLog", async c =>
        {
            using var call = c.Admin.StreamAuditLog(new StreamAuditLogRequest { FromSequence = 1 });
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
        }),
        ("VerifyAuditLog", c => c.Admin.VerifyAuditLogAsync(new VerifyAuditLogRequest()).ResponseAsync),
        ("GetServerStats", c => c.Admin.GetServerStatsAsync(new GetServerStatsRequest()).ResponseAsync),
    ];

    [Fact]
    public async Task Every_rpc_is_denied_without_a_valid_key_of_the_right_role()
    {
        var credentials = new (string Name, string Key, StatusCode Vector, StatusCode Admin)[]
        {
            ("no key", "", StatusCode.Unauthenticated, StatusCode.Unauthenticated),
            ("malformed key", "not-a-key", StatusCode.Unauthenticated, StatusCode.Unauthenticated),
            ("unknown key", "vv1.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", StatusCode.Unauthenticated, StatusCode.Unauthenticated),
            ("revoked key", fixture.RevokedKey, StatusCode.Unauthenticated, StatusCode.Unauthenticated),
            ("tenant key on admin rpc / admin key on vector rpc", "", StatusCode.PermissionDenied, StatusCode.PermissionDenied),
        };
        var denied = 0;
        foreach (var (name, key, vectorCode, adminCode) in credentials)
        {
            using var vectorCaller = Connect(name.StartsWith("tenant key", StringComparison.Ordinal) ? fixture.Server.AdminKey : key);
            using var adminCaller = Connect(name.StartsWith("tenant key", StringComparison.Ordinal) ? fixture.AcmeKey : key);
            foreach (var (rpc, call) in VectorCalls())
            {
                var error = await Assert.ThrowsAsync<RpcException>(() => call(vectorCaller, "docs"));
                Assert.True(error.StatusCode == vectorCode, $"VectorService/{rpc} with {name}: {error.StatusCode}, expected {vectorCode}");
                denied++;
            }

            foreach (var (rpc, call) in AdminCalls())
            {
                var error = await Assert.ThrowsAsync<RpcException>(() => call(adminCaller));
                Assert.True(error.StatusCode == adminCode, $"AdminService/{rpc} with {name}: {error.StatusCode}, expected {adminCode}");
                denied++;
            }
        }

        Assert.Equal(credentials.Length * (VectorCalls().Count() + AdminCalls().Count()), denied);

        // Nothing the denied calls aimed at changed.
        using var acme = fixture.Server.Connect(fixture.AcmeKey);
        Assert.Equal(["acme-only", "docs", "shared-name"], (await acme.Vectors.ListCollectionsAsync(new ListCollectionsRequest())).Collections.Select(c => c.Name).Order(StringComparer.Ordinal));
        using var admin = fixture.Server.Connect(fixture.Server.AdminKey);
        Assert.Equal(["acme", "globex"], (await admin.Admin.ListTenantsAsync(new ListTenantsRequest())).Tenants.Select(t => t.Id));
    }

    [Fact]
    public async Task Another_tenants_collection_is_not_found_exactly_as_a_missing_one()
    {
        using var globex = fixture.Server.Connect(fixture.GlobexKey);
        foreach (var (rpc, call) in VectorCalls().Where(c => c.Name is not ("CreateCollection" or "ListCollections")))
        {
            var foreign = await Assert.ThrowsAsync<RpcException>(() => call(globex, "acme-only"));
            var missing = await Assert.ThrowsAsync<RpcException>(() => call(globex, "nobody-has"));
            Assert.True(foreign.StatusCode == StatusCode.NotFound, $"{rpc}: {foreign.StatusCode}");
            Assert.Equal(missing.StatusCode, foreign.StatusCode);
            Assert.Equal(missing.Status.Detail.Replace("nobody-has", "NAME", StringComparison.Ordinal), foreign.Status.Detail.Replace("acme-only", "NAME", StringComparison.Ordinal));
            Assert.Equal(missing.Trailers.Select(t => t.Key), foreign.Trailers.Select(t => t.Key));
        }

        using var acme = fixture.Server.Connect(fixture.AcmeKey);
        Assert.Equal(0ul, (await acme.Vectors.CountAsync(new CountRequest { Collection = "acme-only" })).Count);
    }

    [Fact]
    public async Task No_response_holds_another_tenants_ids_or_payloads()
    {
        var random = new Random(12);
        foreach (var (key, own) in new[] { (fixture.AcmeKey, (Func<ulong, bool>)(id => id < 1_000_000)), (fixture.GlobexKey, id => id >= 1_000_000) })
        {
            using var tenant = fixture.Server.Connect(key);
            foreach (var collection in new[] { "docs", "shared-name" })
            {
                var seen = new List<ulong>();
                for (var q = 0; q < 20; q++)
                {
                    var search = await tenant.Vectors.SearchAsync(new SearchRequest { Collection = collection, K = 50, Vector = Points.Vector(Vector(random)), WithPayload = new WithPayloadSelector { Enable = true }, Params = new SearchParams { Exact = q % 2 == 0 } });
                    seen.AddRange(search.Results.Select(r => r.Id.Num));
                    Assert.All(search.Results, r => Assert.Equal(own(0) ? "acme" : "globex", r.Payload["owner"].StringValue));
                }

                var scroll = await tenant.Vectors.ScrollAsync(new ScrollRequest { Collection = collection, Limit = 1000 });
                seen.AddRange(scroll.Points.Select(p => p.Id.Num));
                var probe = new GetPointsRequest { Collection = collection };
                probe.Ids.AddRange(Enumerable.Range(0, 1000).SelectMany(i => new[] { (ulong)i, 1_000_000ul + (ulong)i }).Select(id => new PointId { Num = id }));
                var got = await tenant.Vectors.GetAsync(probe);
                seen.AddRange(got.Points.Select(p => p.Id.Num));
                Assert.NotEmpty(seen);
                Assert.All(seen, id => Assert.True(own(id), $"{collection}: id {id} belongs to the other tenant"));
                Assert.Equal((ulong)scroll.Points.Count, (await tenant.Vectors.CountAsync(new CountRequest { Collection = collection })).Count);
            }
        }
    }

    private VecVaultClient Connect(string key) =>
        new(fixture.Server.Address, key.Length == 0 ? null : key, new VecVaultClientOptions { MaxAttempts = 1 });

    private static float[] Vector(Random random) => [.. Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble())];
}
