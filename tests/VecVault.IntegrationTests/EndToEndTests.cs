using System.Runtime.InteropServices;
using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.IntegrationTests;

/// <summary>The thin encrypted path end to end: real Kestrel, real GrpcChannel, real SoftHSM2 token.</summary>
public sealed class EndToEndTests : IAsyncLifetime
{
    private const int Dimension = 32;
    private const int PointCount = 1_000;
    private readonly VaultServer _server = new();
    private readonly float[][] _vectors = RandomVectors(PointCount, Dimension, seed: 7);
    private readonly float[][] _queries = RandomVectors(20, Dimension, seed: 8);

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Upserted_vectors_are_found_exactly_and_survive_a_restart()
    {
        var apiKey = await _server.CreateTenantKeyAsync("acme");
        using (var tenant = _server.Connect(apiKey))
        {
            await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest
            {
                Name = "docs",
                Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.L2 },
            });
            foreach (var chunk in Enumerable.Range(0, PointCount).Chunk(250))
            {
                var request = new UpsertRequest { Collection = "docs" };
                request.Points.AddRange(chunk.Select(i => Points.Create((ulong)i + 1, _vectors[i])));
                var response = await tenant.Vectors.UpsertAsync(request);
                Assert.Equal((ulong)chunk.Length, response.Upserted);
            }

            Assert.Equal((ulong)PointCount, (await tenant.Vectors.CountAsync(new CountRequest { Collection = "docs" })).Count);
            var before = await SearchAllAsync(tenant);
            for (var q = 0; q < _queries.Length; q++)
            {
                var expected = BruteForce(_queries[q], k: 10);
                Assert.Equal(expected.Select(e => e.Id), before[q].Select(r => r.Id.Num));
                Assert.All(expected.Zip(before[q]), pair => Assert.Equal(pair.First.Score, pair.Second.Score, 1e-4f));
            }

            await _server.StopAsync();
            await _server.StartAsync();
            using var again = _server.Connect(apiKey);
            var after = await SearchAllAsync(again);
            Assert.Equal(before.Select(Flatten), after.Select(Flatten));
        }

        using var admin = _server.Connect(_server.AdminKey);
        var stats = (await admin.Admin.GetServerStatsAsync(new GetServerStatsRequest())).Stats;
        Assert.True(stats.HsmUnwraps >= 1, "recovery unwraps the segment DEK through the HSM");
        Assert.Equal((ulong)PointCount, stats.Tenants.Single().Points);
    }

    [Fact]
    public async Task No_plaintext_vector_bytes_reach_the_data_directory()
    {
        using var tenant = await _server.CreateTenantAsync("plain");
        await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest
        {
            Name = "secrets",
            Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.Dot },
        });
        var request = new UpsertRequest { Collection = "secrets" };
        request.Points.AddRange(Enumerable.Range(0, 200).Select(i => Points.Create((ulong)i, _vectors[i])));
        await tenant.Vectors.UpsertAsync(request);
        await _server.StopAsync();

        var canaries = new[] { 0, 1, 57, 123, 199 }.Select(i => MemoryMarshal.AsBytes(_vectors[i].AsSpan(0, 4)).ToArray()).ToList();
        var files = Directory.EnumerateFiles(_server.DataDirectory, "*", SearchOption.AllDirectories).ToList();
        var scanned = 0L;
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            scanned += bytes.Length;
            foreach (var canary in canaries)
            {
                Assert.True(bytes.AsSpan().IndexOf(canary) < 0, $"plaintext of a vector found in {Path.GetRelativePath(_server.DataDirectory, file)}");
            }
        }

        Assert.True(scanned > 200 * Dimension * sizeof(float), $"the data directory holds the records ({scanned} bytes scanned)");

        // The scan itself can find what it looks for.
        var control = new byte[4096];
        canaries[2].CopyTo(control, 1234);
        Assert.True(control.AsSpan().IndexOf(canaries[2]) >= 0);
    }

    [Fact]
    public async Task Calls_without_a_valid_key_are_refused()
    {
        using var anonymous = _server.Connect("vv1.0000000000000000.nope");
        var error = await Assert.ThrowsAsync<RpcException>(() => anonymous.Vectors.ListCollectionsAsync(new ListCollectionsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);

        using var tenant = await _server.CreateTenantAsync("t1");
        var denied = await Assert.ThrowsAsync<RpcException>(() => tenant.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task Bad_input_gets_invalid_argument_naming_the_field_and_writes_nothing()
    {
        using var tenant = await _server.CreateTenantAsync("strict");
        await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest
        {
            Name = "c",
            Config = new CollectionConfig { Dimension = 4, Metric = Metric.Cosine },
        });
        var request = new UpsertRequest { Collection = "c" };
        request.Points.Add(Points.Create(1, [1, 2, 3, 4]));
        request.Points.Add(Points.Create(2, [0.7071234f, float.NaN, 3, 4]));

        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.Vectors.UpsertAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var badRequest = error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>();
        Assert.Equal("points[1].vector", badRequest.FieldViolations.Single().Field);
        Assert.DoesNotContain("7071234", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0UL, (await tenant.Vectors.CountAsync(new CountRequest { Collection = "c" })).Count);

        var wrongDimension = new SearchRequest { Collection = "c", K = 1, Vector = Points.Vector([1, 2]) };
        var searchError = await Assert.ThrowsAsync<RpcException>(() => tenant.Vectors.SearchAsync(wrongDimension).ResponseAsync);
        Assert.Equal("vector", searchError.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Single().Field);
    }

    [Fact]
    public async Task Payloads_round_trip_through_get_and_search_and_depth_is_limited()
    {
        using var tenant = await _server.CreateTenantAsync("payloads");
        await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest
        {
            Name = "p",
            Config = new CollectionConfig { Dimension = 2, Metric = Metric.Dot },
        });
        var payload = new Struct();
        payload.Fields["k"] = new Value { NullValue = NullValue.NullValue };
        var point = Points.Create(5, [1, 0]);
        point.Payload["name"] = new Value { StringValue = "a" };
        point.Payload["n"] = new Value { IntegerValue = -3 };
        point.Payload["f"] = new Value { DoubleValue = 2.5 };
        point.Payload["ok"] = new Value { BoolValue = true };
        point.Payload["tags"] = new Value { ListValue = new ListValue { Values = { new Value { StringValue = "x" }, new Value { StringValue = "y" } } } };
        point.Payload["nested"] = new Value { StructValue = payload };
        await tenant.Vectors.UpsertAsync(new UpsertRequest { Collection = "p", Points = { point } });

        var got = (await tenant.Vectors.GetAsync(new GetPointsRequest
        {
            Collection = "p",
            Ids = { new PointId { Num = 5 }, new PointId { Num = 6 } },
            WithPayload = new WithPayloadSelector { Enable = true },
            WithVectors = true,
        })).Points.Single();
        Assert.Equal(point.Payload, got.Payload);
        Assert.Equal(point.Vector, got.Vector);

        var hit = (await tenant.Vectors.SearchAsync(new SearchRequest
        {
            Collection = "p",
            K = 1,
            Vector = Points.Vector([1, 0]),
            WithPayload = new WithPayloadSelector { Enable = true },
        })).Results.Single();
        Assert.Equal(point.Payload, hit.Payload);
        Assert.Null(hit.Vector);

        var deep = new Value { StringValue = "leaf" };
        for (var i = 0; i < 40; i++)
        {
            deep = new Value { ListValue = new ListValue { Values = { deep } } };
        }

        var tooDeep = Points.Create(6, [0, 1]);
        tooDeep.Payload["deep"] = deep;
        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.Vectors.UpsertAsync(new UpsertRequest { Collection = "p", Points = { tooDeep } }).ResponseAsync);
        Assert.Equal("points[0].payload", error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Single().Field);
    }

    [Fact]
    public async Task A_bulk_stream_larger_than_one_message_limit_is_accepted()
    {
        using var tenant = await _server.CreateTenantAsync("bulk");
        await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest
        {
            Name = "b",
            Config = new CollectionConfig { Dimension = 784, Metric = Metric.L2 },
        });
        var vector = new float[784];
        const int count = 6_000; // 6,000 x 784 floats: about 19 MB, more than the 16 MiB message limit

        var written = await tenant.UpsertManyAsync("b", Enumerable.Range(0, count).Select(i => Points.Create((ulong)i, vector)), batchSize: 500);

        Assert.Equal((ulong)count, written);
        Assert.Equal((ulong)count, (await tenant.Vectors.CountAsync(new CountRequest { Collection = "b" })).Count);
    }

    private async Task<List<List<ScoredPoint>>> SearchAllAsync(VecVaultClient client)
    {
        var results = new List<List<ScoredPoint>>();
        foreach (var query in _queries)
        {
            var response = await client.Vectors.SearchAsync(new SearchRequest { Collection = "docs", K = 10, Vector = Points.Vector(query) });
            results.Add([.. response.Results]);
        }

        return results;
    }

    private List<(ulong Id, float Score)> BruteForce(float[] query, int k) =>
        [.. _vectors.Select((v, i) => (Id: (ulong)i + 1, Score: L2(query, v))).OrderBy(r => r.Score).ThenBy(r => r.Id).Take(k)];

    private static float L2(float[] a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }

        return sum;
    }

    private static string Flatten(List<ScoredPoint> results) => string.Join(",", results.Select(r => $"{r.Id.Num}:{r.Score:R}"));

    private static float[][] RandomVectors(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray())];
    }
}
