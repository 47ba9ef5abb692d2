using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.IntegrationTests;

/// <summary>Filters, payload indexes, HNSW parameters and exact mode over gRPC; malformed filters name their field.</summary>
public sealed class FilterApiTests(FilterApiTests.Shop shop) : IClassFixture<FilterApiTests.Shop>
{
    private readonly VecVaultClient _client = shop.Client;

    /// <summary>One server for the class: tenant acme with collection shop, 500 points with a color (indexed) and a size.</summary>
    public sealed class Shop : IAsyncLifetime
    {
        private readonly VaultServer _server = new();

        public VecVaultClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await _server.StartAsync();
            Client = await _server.CreateTenantAsync("acme");
            var created = await Client.Vectors.CreateCollectionAsync(new CreateCollectionRequest
            {
                Name = "shop",
                Config = new CollectionConfig
                {
                    Dimension = 4,
                    Metric = Metric.L2,
                    Hnsw = new HnswConfig { M = 8, EfConstruction = 100, EfSearch = 32 },
                    PayloadIndexes = { new PayloadIndex { Field = "color", Type = PayloadFieldType.Keyword } },
                },
            });
            Assert.Equal((8u, 100u, 32u), (created.Collection.Config.Hnsw.M, created.Collection.Config.Hnsw.EfConstruction, created.Collection.Config.Hnsw.EfSearch));
            Assert.Equal("color", created.Collection.Config.PayloadIndexes.Single().Field);

            var request = new UpsertRequest { Collection = "shop" };
            for (var i = 0; i < 500; i++)
            {
                var point = Points.Create((ulong)i, [i, i % 10, 0, 1]);
                point.Payload["color"] = new Value { StringValue = i % 2 == 0 ? "red" : "blue" };
                point.Payload["size"] = new Value { IntegerValue = i % 50 };
                request.Points.Add(point);
            }

            await Client.Vectors.UpsertAsync(request);
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Search_count_and_scroll_honour_the_filter()
    {
        var redSmall = new Filter
        {
            Must =
            {
                new Condition { Field = new FieldCondition { Key = "color", Match = new Match { Keyword = "red" } } },
                new Condition { Field = new FieldCondition { Key = "size", Range = new Protocol.V1.Range { Lt = 10 } } },
            },
        };
        var expected = Enumerable.Range(0, 500).Where(i => i % 2 == 0 && i % 50 < 10).Select(i => (ulong)i).ToList();

        var search = await _client.Vectors.SearchAsync(new SearchRequest { Collection = "shop", Vector = Points.Vector([250, 0, 0, 1]), K = 5, Filter = redSmall, WithPayload = new WithPayloadSelector { Enable = true } });
        Assert.Equal([250ul, 252ul, 254ul, 256ul, 258ul], search.Results.Select(r => r.Id.Num).ToList());
        Assert.All(search.Results, r => Assert.Equal("red", r.Payload["color"].StringValue));
        Assert.Equal((ulong)expected.Count, (await _client.Vectors.CountAsync(new CountRequest { Collection = "shop", Filter = redSmall })).Count);
        var scroll = await _client.Vectors.ScrollAsync(new ScrollRequest { Collection = "shop", Filter = redSmall, Limit = 1000 });
        Assert.Equal(expected, scroll.Points.Select(p => p.Id.Num).ToList());

        var exact = await _client.Vectors.SearchAsync(new SearchRequest { Collection = "shop", Vector = Points.Vector([250, 0, 0, 1]), K = 5, Params = new SearchParams { Exact = true, Ef = 200 } });
        Assert.Equal([250ul, 251ul, 252ul, 253ul, 254ul], exact.Results.Select(r => r.Id.Num).ToList());
    }

    [Theory]
    [InlineData("must0-empty", "filter.must[0]")]
    [InlineData("key-empty", "filter.must[0].field.key")]
    [InlineData("no-match-or-range", "filter.must[0].field")]
    [InlineData("range-open", "filter.must[0].field.range")]
    [InlineData("range-nan", "filter.must[0].field.range.gt")]
    [InlineData("any-empty", "filter.must[0].field.match.any_keyword.values")]
    [InlineData("has-id-bad-uuid", "filter.should[0].has_id.ids[1]")]
    [InlineData("min-should", "filter.min_should")]
    [InlineData("too-deep", "filter.must[0].filter.must[0].filter.must[0].filter.must[0].filter.must[0].filter.must[0].filter.must[0].filter.must[0].filter")]
    public async Task A_malformed_filter_is_invalid_argument_naming_the_field(string @case, string field)
    {
        var filter = Malformed(@case);
        foreach (var call in new Func<Task>[]
        {
            () => _client.Vectors.SearchAsync(new SearchRequest { Collection = "shop", Vector = Points.Vector([1, 2, 3, 4]), K = 3, Filter = filter }).ResponseAsync,
            () => _client.Vectors.CountAsync(new CountRequest { Collection = "shop", Filter = filter }).ResponseAsync,
            () => _client.Vectors.ScrollAsync(new ScrollRequest { Collection = "shop", Filter = filter }).ResponseAsync,
        })
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Equal(field, error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Single().Field);
        }

        Assert.Equal(500ul, (await _client.Vectors.CountAsync(new CountRequest { Collection = "shop" })).Count);
    }

    [Fact]
    public async Task Delete_by_filter_removes_exactly_the_matching_points_and_survives_nothing_else()
    {
        await _client.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "bin", Config = new CollectionConfig { Dimension = 2, Metric = Metric.L2 } });
        var upsert = new UpsertRequest { Collection = "bin" };
        for (var i = 0; i < 300; i++)
        {
            var point = Points.Create((ulong)i, [i, 1]);
            point.Payload["size"] = new Value { IntegerValue = i % 30 };
            upsert.Points.Add(point);
        }

        await _client.Vectors.UpsertAsync(upsert);
        var small = new Filter { Must = { new Condition { Field = new FieldCondition { Key = "size", Range = new Protocol.V1.Range { Lt = 5 } } } } };
        var deleted = await _client.Vectors.DeleteAsync(new DeletePointsRequest { Collection = "bin", Filter = small });
        Assert.Equal(50ul, deleted.Deleted);
        Assert.Equal(0ul, (await _client.Vectors.CountAsync(new CountRequest { Collection = "bin", Filter = small })).Count);
        Assert.Equal(250ul, (await _client.Vectors.CountAsync(new CountRequest { Collection = "bin" })).Count);
        var left = await _client.Vectors.ScrollAsync(new ScrollRequest { Collection = "bin", Limit = 1000 });
        Assert.Equal(Enumerable.Range(0, 300).Where(i => i % 30 >= 5).Select(i => (ulong)i), left.Points.Select(p => p.Id.Num));

        var empty = await Assert.ThrowsAsync<RpcException>(() => _client.Vectors.DeleteAsync(new DeletePointsRequest { Collection = "bin", Filter = new Filter() }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Equal("filter", ErrorDetails.Field(empty));
        Assert.Equal(250ul, (await _client.Vectors.CountAsync(new CountRequest { Collection = "bin" })).Count);
    }

    [Fact]
    public async Task Bad_hnsw_parameters_and_payload_indexes_are_refused_naming_the_field()
    {
        async Task<string> FieldOf(CollectionConfig config)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => _client.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "bad", Config = config }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            return error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Single().Field;
        }

        Assert.Equal("config.hnsw.m", await FieldOf(new CollectionConfig { Dimension = 4, Metric = Metric.L2, Hnsw = new HnswConfig { M = 1 } }));
        Assert.Equal("config.hnsw.ef_search", await FieldOf(new CollectionConfig { Dimension = 4, Metric = Metric.L2, Hnsw = new HnswConfig { EfSearch = 100_000 } }));
        Assert.Equal("config.payload_indexes[0].type", await FieldOf(new CollectionConfig { Dimension = 4, Metric = Metric.L2, PayloadIndexes = { new PayloadIndex { Field = "a" } } }));
        Assert.Equal("config.payload_indexes[1].field", await FieldOf(new CollectionConfig
        {
            Dimension = 4,
            Metric = Metric.L2,
            PayloadIndexes = { new PayloadIndex { Field = "a", Type = PayloadFieldType.Keyword }, new PayloadIndex { Field = "a", Type = PayloadFieldType.Integer } },
        }));
        var ef = await Assert.ThrowsAsync<RpcException>(() => _client.Vectors.SearchAsync(new SearchRequest { Collection = "shop", Vector = Points.Vector([1, 2, 3, 4]), K = 3, Params = new SearchParams { Ef = 1_000_000 } }).ResponseAsync);
        Assert.Equal("params.ef", ef.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Single().Field);
    }

    private static Filter Malformed(string @case)
    {
        Condition Field(FieldCondition field) => new() { Field = field };
        switch (@case)
        {
            case "must0-empty":
                return new Filter { Must = { new Condition() } };
            case "key-empty":
                return new Filter { Must = { Field(new FieldCondition { Key = "", Match = new Match { Keyword = "x" } }) } };
            case "no-match-or-range":
                return new Filter { Must = { Field(new FieldCondition { Key = "color" }) } };
            case "range-open":
                return new Filter { Must = { Field(new FieldCondition { Key = "size", Range = new Protocol.V1.Range() }) } };
            case "range-nan":
                return new Filter { Must = { Field(new FieldCondition { Key = "size", Range = new Protocol.V1.Range { Gt = double.NaN } }) } };
            case "any-empty":
                return new Filter { Must = { Field(new FieldCondition { Key = "color", Match = new Match { AnyKeyword = new Keywords() } }) } };
            case "has-id-bad-uuid":
                return new Filter { Should = { new Condition { HasId = new HasIdCondition { Ids = { new PointId { Num = 1 }, new PointId { Uuid = "not-a-uuid" } } } } } };
            case "min-should":
                return new Filter { MinShould = 2, Should = { Field(new FieldCondition { Key = "color", Match = new Match { Keyword = "red" } }) } };
            default:
                var filter = new Filter { Must = { Field(new FieldCondition { Key = "color", Match = new Match { Keyword = "red" } }) } };
                for (var depth = 0; depth < 8; depth++)
                {
                    filter = new Filter { Must = { new Condition { Filter = filter } } };
                }

                return filter;
        }
    }
}
