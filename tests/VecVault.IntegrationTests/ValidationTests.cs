using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat model row 12, as a table: each bad request of each RPC gets its code and a <c>google.rpc.BadRequest</c>
/// naming the field at fault, and nothing is written.
/// </summary>
public sealed class ValidationTests(ValidationTests.Store store) : IClassFixture<ValidationTests.Store>
{
    private const int Dimension = 4;

    /// <summary>One server; tenant acme with collection docs holding 10 points.</summary>
    public sealed class Store : IAsyncLifetime
    {
        public VaultServer Server { get; } = new();

        public VecVaultClient Tenant { get; private set; } = null!;

        public VecVaultClient Admin { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Server.StartAsync();
            Tenant = await Server.CreateTenantAsync("acme");
            Admin = Server.Connect(Server.AdminKey);
            await Tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "docs", Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.L2 } });
            await Tenant.Vectors.UpsertAsync(new UpsertRequest { Collection = "docs", Points = { Enumerable.Range(1, 10).Select(i => Points.Create((ulong)i, [i, 0, 0, 0])) } });
        }

        public async Task DisposeAsync()
        {
            Tenant.Dispose();
            Admin.Dispose();
            await Server.DisposeAsync();
        }
    }

    public static TheoryData<string> Cases() => [.. Table().Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_request_gets_its_code_and_field_and_writes_nothing(string name)
    {
        var (call, code, field) = Table()[name];
        var before = await Snapshot();
        var error = await Assert.ThrowsAsync<RpcException>(() => call(store.Tenant, store.Admin));
        Assert.Equal(code, error.StatusCode);
        Assert.Equal(field, ErrorDetails.Field(error));
        Assert.Equal(before, await Snapshot());
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_resource_exhausted()
    {
        var huge = new UpsertRequest { Collection = "docs" };
        huge.Points.AddRange(Enumerable.Range(0, 9_000).Select(i => Points.Create((ulong)i + 100, new float[512])));
        var before = await Snapshot();
        var error = await Assert.ThrowsAsync<RpcException>(() => store.Tenant.Vectors.UpsertAsync(huge, new CallOptions()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(before, await Snapshot());
    }

    private async Task<string> Snapshot()
    {
        var points = await store.Tenant.Vectors.ScrollAsync(new ScrollRequest { Collection = "docs", Limit = 1000, WithVectors = true, WithPayload = new WithPayloadSelector { Enable = true } });
        var collections = await store.Tenant.Vectors.ListCollectionsAsync(new ListCollectionsRequest());
        var tenants = await store.Admin.Admin.ListTenantsAsync(new ListTenantsRequest());
        return $"{points.Points}|{string.Join(',', collections.Collections.Select(c => c.Name))}|{string.Join(',', tenants.Tenants.Select(t => t.Id))}";
    }

    private static PointStruct Point(ulong id, params float[] vector) => Points.Create(id, vector);

    // Lists nest in two protobuf levels per payload level, so 40 payload levels stay within protobuf's recursion limit
    // of 100 and reach the server's own check.
    private static Value Nested(int depth) => depth == 0 ? new Value { StringValue = "x" } : new Value { ListValue = new ListValue { Values = { Nested(depth - 1) } } };

    private static Dictionary<string, (Func<VecVaultClient, VecVaultClient, Task> Call, StatusCode Code, string Field)> Table()
    {
        var invalid = StatusCode.InvalidArgument;
        var exhausted = StatusCode.ResourceExhausted;
        var query = Points.Vector([1, 2, 3, 4]);
        Task Upsert(VecVaultClient c, params PointStruct[] points) => c.Vectors.UpsertAsync(new UpsertRequest { Collection = "docs", Points = { points } }).ResponseAsync;
        Task Search(VecVaultClient c, SearchRequest request) => c.Vectors.SearchAsync(request).ResponseAsync;
        return new()
        {
            ["upsert: wrong dimension"] = ((t, _) => Upsert(t, Point(50, 1, 2, 3)), invalid, "points[0].vector"),
            ["upsert: NaN"] = ((t, _) => Upsert(t, Point(50, 1, 2, 3, 4), Point(51, 1, float.NaN, 3, 4)), invalid, "points[1].vector"),
            ["upsert: +Inf"] = ((t, _) => Upsert(t, Point(50, float.PositiveInfinity, 2, 3, 4)), invalid, "points[0].vector"),
            ["upsert: -Inf"] = ((t, _) => Upsert(t, Point(50, float.NegativeInfinity, 2, 3, 4)), invalid, "points[0].vector"),
            ["upsert: empty vector"] = ((t, _) => Upsert(t, new PointStruct { Id = new PointId { Num = 50 }, Vector = new Vector() }), invalid, "points[0].vector"),
            ["upsert: no points"] = ((t, _) => Upsert(t), invalid, "points"),
            ["upsert: too many points"] = ((t, _) => Upsert(t, [.. Enumerable.Range(0, 10_001).Select(i => Point((ulong)i + 100, 1, 2, 3, 4))]), exhausted, "points"),
            ["upsert: bad uuid"] = ((t, _) => Upsert(t, new PointStruct { Id = new PointId { Uuid = "not-a-uuid" }, Vector = query }), invalid, "points[0].id"),
            ["upsert: no id"] = ((t, _) => Upsert(t, new PointStruct { Vector = query }), invalid, "points[0].id"),
            ["upsert: payload too deep"] = ((t, _) => Upsert(t, new PointStruct { Id = new PointId { Num = 50 }, Vector = query, Payload = { ["deep"] = Nested(40) } }), invalid, "points[0].payload"),
            ["upsert: payload too big"] = ((t, _) => Upsert(t, new PointStruct { Id = new PointId { Num = 50 }, Vector = query, Payload = { ["big"] = new Value { StringValue = new string('x', 70_000) } } }), exhausted, "points[0].payload"),
            ["upsert: payload NaN"] = ((t, _) => Upsert(t, new PointStruct { Id = new PointId { Num = 50 }, Vector = query, Payload = { ["n"] = new Value { DoubleValue = double.NaN } } }), invalid, "points[0].payload"),
            ["upsert stream: no collection"] = ((t, _) => t.UpsertManyAsync("", [Point(50, 1, 2, 3, 4)]), invalid, "collection"),
            ["search: k 0"] = ((t, _) => Search(t, new SearchRequest { Collection = "docs", K = 0, Vector = query }), invalid, "k"),
            ["search: k too large"] = ((t, _) => Search(t, new SearchRequest { Collection = "docs", K = 1_001, Vector = query }), invalid, "k"),
            ["search: ef too large"] = ((t, _) => Search(t, new SearchRequest { Collection = "docs", K = 1, Vector = query, Params = new SearchParams { Ef = 5_000 } }), invalid, "params.ef"),
            ["search: no vector"] = ((t, _) => Search(t, new SearchRequest { Collection = "docs", K = 1 }), invalid, "vector"),
            ["search: wrong dimension"] = ((t, _) => Search(t, new SearchRequest { Collection = "docs", K = 1, Vector = Points.Vector([1, 2]) }), invalid, "vector"),
            ["search: NaN"] = ((t, _) => Search(t, new SearchRequest { Collection = "docs", K = 1, Vector = Points.Vector([1, float.NaN, 3, 4]) }), invalid, "vector"),
            ["search: bad filter"] = ((t, _) => Search(t, new SearchRequest { Collection = "docs", K = 1, Vector = query, Filter = new Filter { Must = { new Condition() } } }), invalid, "filter.must[0]"),
            ["search batch: empty"] = ((t, _) => t.Vectors.SearchBatchAsync(new SearchBatchRequest { Collection = "docs" }).ResponseAsync, invalid, "searches"),
            ["search batch: too many"] = ((t, _) => t.Vectors.SearchBatchAsync(new SearchBatchRequest { Collection = "docs", Searches = { Enumerable.Range(0, 257).Select(_ => new SearchRequest { K = 1, Vector = query }) } }).ResponseAsync, invalid, "searches"),
            ["search batch: other collection"] = ((t, _) => t.Vectors.SearchBatchAsync(new SearchBatchRequest { Collection = "docs", Searches = { new SearchRequest { Collection = "other", K = 1, Vector = query } } }).ResponseAsync, invalid, "searches[0].collection"),
            ["search batch: bad k"] = ((t, _) => t.Vectors.SearchBatchAsync(new SearchBatchRequest { Collection = "docs", Searches = { new SearchRequest { K = 1, Vector = query }, new SearchRequest { K = 0, Vector = query } } }).ResponseAsync, invalid, "searches[1].k"),
            ["get: too many ids"] = ((t, _) => t.Vectors.GetAsync(new GetPointsRequest { Collection = "docs", Ids = { Enumerable.Range(0, 10_001).Select(i => new PointId { Num = (ulong)i }) } }).ResponseAsync, exhausted, "ids"),
            ["get: bad id"] = ((t, _) => t.Vectors.GetAsync(new GetPointsRequest { Collection = "docs", Ids = { new PointId { Num = 1 }, new PointId { Uuid = "x" } } }).ResponseAsync, invalid, "ids[1]"),
            ["delete: no selector"] = ((t, _) => t.Vectors.DeleteAsync(new DeletePointsRequest { Collection = "docs" }).ResponseAsync, invalid, "ids"),
            ["delete: no ids"] = ((t, _) => t.Vectors.DeleteAsync(new DeletePointsRequest { Collection = "docs", Ids = new PointIdList() }).ResponseAsync, invalid, "ids.ids"),
            ["delete: empty filter"] = ((t, _) => t.Vectors.DeleteAsync(new DeletePointsRequest { Collection = "docs", Filter = new Filter() }).ResponseAsync, invalid, "filter"),
            ["delete: bad id"] = ((t, _) => t.Vectors.DeleteAsync(new DeletePointsRequest { Collection = "docs", Ids = new PointIdList { Ids = { new PointId() } } }).ResponseAsync, invalid, "ids.ids[0]"),
            ["scroll: limit too large"] = ((t, _) => t.Vectors.ScrollAsync(new ScrollRequest { Collection = "docs", Limit = 1_001 }).ResponseAsync, invalid, "limit"),
            ["scroll: bad offset"] = ((t, _) => t.Vectors.ScrollAsync(new ScrollRequest { Collection = "docs", Offset = new PointId { Uuid = "nope" } }).ResponseAsync, invalid, "offset"),
            ["count: bad filter"] = ((t, _) => t.Vectors.CountAsync(new CountRequest { Collection = "docs", Filter = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "" } } } } }).ResponseAsync, invalid, "filter.must[0].field.key"),
            ["create collection: no dimension"] = ((t, _) => t.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "new", Config = new CollectionConfig { Metric = Metric.L2 } }).ResponseAsync, invalid, "config.dimension"),
            ["create collection: bad name"] = ((t, _) => t.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "../x", Config = new CollectionConfig { Dimension = 4, Metric = Metric.L2 } }).ResponseAsync, invalid, "name"),
            ["create collection: exists"] = ((t, _) => t.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "docs", Config = new CollectionConfig { Dimension = 4, Metric = Metric.L2 } }).ResponseAsync, StatusCode.AlreadyExists, "name"),
            ["create tenant: bad id"] = ((_, a) => a.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "Bad Id!", Kek = new KekReference { Model = KeyModel.AesGcm, TokenLabel = "t", KeyLabel = "k" } }).ResponseAsync, invalid, "id"),
            ["create api key: tenant key without tenant"] = ((_, a) => a.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = ApiKeyRole.Tenant }).ResponseAsync, invalid, "tenant_id"),
            ["shred: confirmation differs"] = ((_, a) => a.Admin.ShredTenantAsync(new ShredTenantRequest { TenantId = "acme", ConfirmTenantId = "acm" }).ResponseAsync, invalid, "confirm_tenant_id"),
        };
    }
}
