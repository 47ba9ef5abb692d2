using CsCheck;
using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat model row 12, property-based: random and hostile VectorService requests (NaN and ±Inf, wrong and empty
/// vectors, bad ids, huge k and ef, deep payloads, malformed filters, unknown collections) against a live server.
/// No call fails with INTERNAL or UNKNOWN, every INVALID_ARGUMENT and RESOURCE_EXHAUSTED names its field, and the
/// collection holds exactly what the accepted writes, replayed on a model, say.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    private const int Dimension = 4;
    private const string Collection = "fuzz";
    private readonly VaultServer _server = new();
    private VecVaultClient _client = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _client = await _server.CreateTenantAsync("acme");
        await _client.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = Collection, Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.L2, SegmentMaxPoints = 10 } });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static readonly Gen<float> Floats = Gen.Frequency((8, Gen.Float[-10, 10]), (1, Gen.OneOf(float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, 0f)), (1, Gen.Float));

    private static readonly Gen<Vector> Vectors = Gen.Frequency(
        (6, Floats.Array[Dimension]),
        (1, Floats.Array[0, 9])).Select(values => Points.Vector(values));

    private static readonly Gen<PointId> Ids = Gen.Frequency(
        (6, Gen.ULong[0, 30].Select(n => new PointId { Num = n })),
        (1, Gen.Guid.Select(g => new PointId { Uuid = g.ToString() })),
        (1, Gen.OneOf("", "not-a-uuid", "0000", "{00000000-0000-0000-0000-000000000000}").Select(u => new PointId { Uuid = u })),
        (1, Gen.Const(() => new PointId())));

    private static readonly Gen<string> Names = Gen.Frequency((8, Gen.Const(Collection)), (1, Gen.OneOf("", "missing", "../etc", new string('x', 300), "fu zz")));

    private static readonly Gen<Value> Values = Gen.Recursive<Value>((depth, values) => depth >= 40
        ? Gen.Const(new Value { StringValue = "leaf" })
        : Gen.Frequency(
            (4, Gen.Long.Select(l => new Value { IntegerValue = l })),
            (3, Gen.String.Select(s => new Value { StringValue = s })),
            (2, Gen.Double.Select(d => new Value { DoubleValue = d })),
            (1, Gen.Bool.Select(b => new Value { BoolValue = b })),
            (2, values.Array[0, 3].Select(items => new Value { ListValue = new ListValue { Values = { items } } })),
            (2, values.Select(inner => new Value { StructValue = new Struct { Fields = { ["nested"] = inner } } }))));

    private static readonly Gen<Filter?> Filters = Gen.Recursive<Filter?>((depth, filters) =>
    {
        var fields = Gen.OneOf("color", "size", "", "a.b");
        var condition = Gen.Frequency(
            (4, fields.Select(Gen.String, (key, keyword) => new Condition { Field = new FieldCondition { Key = key, Match = new Match { Keyword = keyword } } })),
            (3, fields.Select(Gen.Double, Gen.Double, (key, low, high) => new Condition { Field = new FieldCondition { Key = key, Range = new Protocol.V1.Range { Gt = low, Lt = high } } })),
            (1, fields.Select(key => new Condition { Field = new FieldCondition { Key = key } })),
            (2, Ids.Array[0, 4].Select(ids => new Condition { HasId = new HasIdCondition { Ids = { ids } } })),
            (1, fields.Select(key => new Condition { IsEmpty = new IsEmptyCondition { Key = key } })),
            (1, depth >= 12 ? Gen.Const(new Condition()) : filters.Select(inner => inner is null ? new Condition() : new Condition { Filter = inner })));
        return Gen.Frequency(
            (3, Gen.Const(() => (Filter?)null)),
            (6, condition.Array[0, 3].Select(condition.Array[0, 2], Gen.UInt[0, 3], (must, should, minShould) => (Filter?)new Filter { Must = { must }, Should = { should }, MinShould = minShould })));
    });

    private static readonly Gen<PointStruct> PointsGen = Ids.Select(Vectors, Gen.OneOf("color", "size", "", "k").Select(Values).Array[0, 3], (id, vector, payload) =>
    {
        var point = new PointStruct { Id = id, Vector = vector };
        foreach (var (key, value) in payload)
        {
            point.Payload[key] = value;
        }

        return point;
    });

    private static readonly Gen<SearchRequest> Searches = Names.Select(Vectors, Gen.UInt[0, 1200], Gen.UInt[0, 5000], Filters, Gen.Bool, (name, vector, k, ef, filter, exact) =>
        new SearchRequest { Collection = name, Vector = vector, K = k, Params = new SearchParams { Ef = ef, Exact = exact }, Filter = filter });

    private static readonly Gen<Func<VecVaultClient, Dictionary<string, float[]>, Task>> Calls = Gen.OneOf(
        Names.Select(PointsGen.Array[0, 4], (name, points) => (Func<VecVaultClient, Dictionary<string, float[]>, Task>)(async (client, model) =>
        {
            var request = new UpsertRequest { Collection = name, Points = { points } };
            await client.Vectors.UpsertAsync(request);
            foreach (var point in name == Collection ? points : [])
            {
                model[Key(point.Id)] = [.. point.Vector.Data];
            }
        })),
        Names.Select(Ids.Array[0, 4], (name, ids) => (Func<VecVaultClient, Dictionary<string, float[]>, Task>)(async (client, model) =>
        {
            await client.Vectors.DeleteAsync(new DeletePointsRequest { Collection = name, Ids = new PointIdList { Ids = { ids } } });
            foreach (var id in name == Collection ? ids : [])
            {
                model.Remove(Key(id));
            }
        })),
        Searches.Select(search => (Func<VecVaultClient, Dictionary<string, float[]>, Task>)(async (client, _) => await client.Vectors.SearchAsync(search))),
        Searches.Array[0, 3].Select(searches => (Func<VecVaultClient, Dictionary<string, float[]>, Task>)(async (client, _) => await client.Vectors.SearchBatchAsync(new SearchBatchRequest { Collection = Collection, Searches = { searches } }))),
        Names.Select(Ids.Array[0, 4], (name, ids) => (Func<VecVaultClient, Dictionary<string, float[]>, Task>)(async (client, _) => await client.Vectors.GetAsync(new GetPointsRequest { Collection = name, Ids = { ids }, WithVectors = true }))),
        Names.Select(Filters, (name, filter) => (Func<VecVaultClient, Dictionary<string, float[]>, Task>)(async (client, _) => await client.Vectors.CountAsync(new CountRequest { Collection = name, Filter = filter }))),
        Names.Select(Filters, Gen.UInt[0, 2000], Ids, (name, filter, limit, offset) => (Func<VecVaultClient, Dictionary<string, float[]>, Task>)(async (client, _) =>
            await client.Vectors.ScrollAsync(new ScrollRequest { Collection = name, Filter = filter, Limit = limit, Offset = offset }))),
        Names.Select(Gen.UInt[0, 5000], Gen.UInt[0, 300], (name, dimension, m) => (Func<VecVaultClient, Dictionary<string, float[]>, Task>)(async (client, _) =>
            await client.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = name == Collection ? "other" : name, Config = new CollectionConfig { Dimension = dimension, Hnsw = new HnswConfig { M = m } } }))));

    [Fact]
    public async Task Hostile_requests_never_fail_internally_always_name_the_field_and_change_nothing_they_were_refused()
    {
        var model = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var refused = new Dictionary<StatusCode, int>();
        var accepted = 0;
        await Calls.SampleAsync(
            async call =>
            {
                var attempt = new Dictionary<string, float[]>(model, StringComparer.Ordinal);
                try
                {
                    await call(_client, attempt);
                    accepted++;
                    foreach (var key in model.Keys.Except(attempt.Keys).ToList())
                    {
                        model.Remove(key);
                    }

                    foreach (var (key, vector) in attempt)
                    {
                        model[key] = vector;
                    }
                }
                catch (RpcException e)
                {
                    refused[e.StatusCode] = refused.GetValueOrDefault(e.StatusCode) + 1;
                    Assert.True(e.StatusCode is StatusCode.InvalidArgument or StatusCode.ResourceExhausted or StatusCode.NotFound or StatusCode.AlreadyExists, $"{e.StatusCode}: {e.Status.Detail}");
                    if (e.StatusCode is StatusCode.InvalidArgument or StatusCode.ResourceExhausted)
                    {
                        Assert.False(string.IsNullOrEmpty(ErrorDetails.Field(e)), $"{e.StatusCode} without a field: {e.Status.Detail}");
                    }
                }
            },
            iter: 1500,
            threads: 1);

        // The model holds only what accepted calls wrote to the collection (writes to other names failed or went elsewhere).
        var stored = await _client.Vectors.ScrollAsync(new ScrollRequest { Collection = Collection, Limit = 1000, WithVectors = true });
        Assert.Equal(model.Keys.Order(StringComparer.Ordinal), stored.Points.Select(p => Key(p.Id)).Order(StringComparer.Ordinal));
        Assert.All(stored.Points, p => Assert.Equal(model[Key(p.Id)], p.Vector.Data));
        Assert.True(accepted > 50 && refused.GetValueOrDefault(StatusCode.InvalidArgument) > 50, $"accepted {accepted}, refused {string.Join(", ", refused)}: the generators must exercise both sides");
        Console.WriteLine($"fuzz: {accepted} accepted, refused {string.Join(", ", refused.Select(r => $"{r.Key} {r.Value}"))}; {model.Count} points stored");
    }

    private static string Key(PointId id) => id.KindCase == PointId.KindOneofCase.Num ? $"n:{id.Num}" : $"u:{Guid.Parse(id.Uuid):D}";
}
