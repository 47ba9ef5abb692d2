using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Collections;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Points;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Pkcs11;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>
/// Sealed segments against an oracle: random upserts, deletes, seals, compactions and restarts compared with a dictionary, lazy
/// loading (once, however many ask), and eviction under a small budget of locked memory.
/// </summary>
public sealed class SealedSegmentTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private static readonly TenantId Acme = TenantId.Parse("acme");
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"vecvault-sealed-{Guid.NewGuid():N}");
    private readonly ITestOutputHelper _output;
    private readonly SoftHsmToken _token;
    private readonly Pkcs11KekService _hsm;
    private readonly AuditLog _audit;
    private VaultEngine _engine = null!;

    public SealedSegmentTests(ITestOutputHelper output)
    {
        _output = output;
        SoftHsm.EnsureInitialised();
        _token = SoftHsm.CreateToken();
        _token.CreateAesKey("kek", "01");
        _audit = new AuditLog(_data + "-audit.log", TimeProvider.System);
        _hsm = new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => _token.Pin }, NullLogger<Pkcs11KekService>.Instance);
    }

    public async Task InitializeAsync()
    {
        _engine = Open();
        await _engine.CreateTenantAsync(new TenantSpec(Acme, new KekReference(KeyModel.AesGcm, _token.Label, "kek"), OutagePolicy.FailClosed, TimeSpan.Zero), default);
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _audit.Dispose();
        Assert.True(AuditLog.Verify(_audit.Path).Valid);
        File.Delete(_audit.Path);
        Directory.Delete(_data, recursive: true);
    }

    [Theory]
    [InlineData(1, Metric.L2)]
    [InlineData(2, Metric.Cosine)]
    [InlineData(3, Metric.Dot)]
    public async Task Random_upserts_deletes_seals_compactions_and_restarts_give_what_a_dictionary_gives(int seed, Metric metric)
    {
        await _engine.CreateCollectionAsync(Acme, "c", new CollectionConfig(Dimension, metric) { SegmentMaxPoints = 40 }, default);
        var random = new Random(seed);
        var oracle = new Dictionary<PointId, (float[] Vector, int Version)>();
        var (upserts, deletes, seals, compacted, restarts) = (0, 0, 0, 0, 0);
        for (var step = 0; step < 400; step++)
        {
            var roll = random.Next(100);
            if (roll < 60)
            {
                var points = Enumerable.Range(0, random.Next(1, 12)).Select(_ => RandomPoint(random, random.Next(150), step)).ToList();
                await _engine.UpsertAsync(Acme, "c", points, default);
                foreach (var point in points)
                {
                    oracle[point.Id] = (point.Vector.ToArray(), step);
                }

                upserts += points.Count;
            }
            else if (roll < 85)
            {
                var ids = Enumerable.Range(0, random.Next(1, 6)).Select(_ => PointId.FromNumber((ulong)random.Next(150))).ToList();
                var existing = ids.Distinct().Count(oracle.ContainsKey);
                Assert.Equal(existing, await _engine.DeleteAsync(Acme, "c", ids, default));
                ids.ForEach(id => oracle.Remove(id));
                deletes += ids.Count;
            }
            else if (roll < 92)
            {
                await _engine.SealAsync(Acme, "c", default);
                seals++;
            }
            else if (roll < 96)
            {
                compacted += Math.Max(0, await _engine.CompactAsync(Acme, default));
            }
            else
            {
                await RestartAsync();
                restarts++;
                AssertMatches(oracle, random, metric);
            }

            if (step % 50 == 0)
            {
                AssertMatches(oracle, random, metric);
            }
        }

        await RestartAsync();
        AssertMatches(oracle, random, metric);
        var sealedSegments = _engine.SegmentStats;
        _output.WriteLine($"{upserts} upserts, {deletes} deletes, {seals} seals asked, {compacted} segments compacted, {restarts} restarts; {oracle.Count} live points; segments loaded {sealedSegments.Loads} times");
        Assert.True(sealedSegments.Loads > 0, "sealed segments were loaded from their pages");
        Assert.True(compacted > 0, "segments were compacted");
    }

    [Fact]
    public async Task Sealed_segments_load_on_first_use_once_however_many_ask_and_attach_their_graph()
    {
        await _engine.CreateCollectionAsync(Acme, "c", new CollectionConfig(Dimension, Metric.L2), default);
        var random = new Random(7);
        var points = new List<Point>();
        for (var segment = 0; segment < 4; segment++)
        {
            var batch = Enumerable.Range(segment * 500, 500).Select(i => RandomPoint(random, i, segment)).ToList();
            await _engine.UpsertAsync(Acme, "c", batch, default);
            Assert.NotEqual(0ul, await _engine.SealAsync(Acme, "c", default));
            points.AddRange(batch);
        }

        var query = new SearchQuery(points[123].Vector, 10, WithPayload: true, WithVectors: false);
        var before = _engine.Search(Acme, "c", query);
        await RestartAsync();
        Assert.Equal((0, 0L), (_engine.SegmentStats.LoadedSegments, _engine.SegmentStats.Loads));
        Assert.Equal(2000, _engine.Count(Acme, "c"));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _engine.Search(Acme, "c", query))));
        var stats = _engine.SegmentStats;
        _output.WriteLine($"loads {stats.Loads}, loaded {stats.LoadedSegments} ({stats.LoadedBytes} bytes); unwrap {stats.UnwrapTime.TotalMilliseconds:F2} ms, read {stats.ReadTime.TotalMilliseconds:F2} ms, decrypt {stats.DecryptTime.TotalMilliseconds:F2} ms, attach {stats.AttachTime.TotalMilliseconds:F2} ms");
        Assert.Equal((4, 4L), (stats.LoadedSegments, stats.Loads));
        Assert.All(results, r => Assert.Equal(Ids(before), Ids(r)));
        Assert.Equal(points[123].Id, results[0][0].Id);
        Assert.Equal(123, results[0][0].Payload!["i"]!.GetValue<int>());
    }

    [Fact]
    public async Task Queries_cycling_over_many_segments_stay_correct_and_within_a_small_budget()
    {
        await _engine.DisposeAsync();
        const long budget = 3L << 20; // three segments: each holds one 1 MiB chunk of locked memory
        _engine = Open(budget);
        await _engine.CreateCollectionAsync(Acme, "c", new CollectionConfig(Dimension, Metric.L2) { SegmentMaxPoints = 100 }, default);
        var random = new Random(11);
        var oracle = new Dictionary<PointId, float[]>();
        for (var i = 0; i < 1000; i += 50)
        {
            var batch = Enumerable.Range(i, 50).Select(n => RandomPoint(random, n, 0)).ToList();
            await _engine.UpsertAsync(Acme, "c", batch, default);
            batch.ForEach(p => oracle[p.Id] = p.Vector.ToArray());
        }

        await _engine.SealAsync(Acme, "c", default);
        await RestartAsync(budget);
        for (var round = 0; round < 30; round++)
        {
            var target = oracle.ElementAt(random.Next(oracle.Count));
            var hits = _engine.Search(Acme, "c", new SearchQuery(target.Value, 5, false, true) { Exact = true });
            Assert.Equal(Exact(oracle, target.Value, 5, Metric.L2), Ids(hits));
            Assert.Equal(target.Value, _engine.Get(Acme, "c", [target.Key], false, true).Single().Vector.ToArray());
            Assert.True(_engine.SegmentStats.LoadedBytes <= budget, $"{_engine.SegmentStats.LoadedBytes} locked bytes loaded, budget {budget}");
        }

        var stats = _engine.SegmentStats;
        _output.WriteLine($"10 segments, budget 3 MiB: {stats.Loads} loads, {stats.Evictions} evictions, {stats.LoadedSegments} loaded at the end");
        Assert.True(stats.Evictions >= stats.Loads - 3 && stats.Evictions > 0);
    }

    private void AssertMatches(Dictionary<PointId, (float[] Vector, int Version)> oracle, Random random, Metric metric)
    {
        Assert.Equal(oracle.Count, _engine.Count(Acme, "c"));
        var (points, next) = _engine.Scroll(Acme, "c", null, 10_000, withPayload: true, withVectors: true);
        Assert.Null(next);
        Assert.Equal(oracle.Keys.Order(), points.Select(p => p.Id));
        foreach (var point in points)
        {
            var expected = oracle[point.Id];
            Assert.Equal(Stored(expected.Vector, metric), point.Vector.ToArray(), (x, y) => MathF.Abs(x - y) <= 1e-6f);
            Assert.Equal(expected.Version, point.Payload!["version"]!.GetValue<int>());
        }

        // Small pages, across the active and sealed segments, give the same ids once each, in order.
        var pageSize = random.Next(1, 10);
        var paged = new List<PointId>();
        PointId? offset = null;
        do
        {
            (points, offset) = _engine.Scroll(Acme, "c", offset, pageSize, withPayload: false, withVectors: false);
            Assert.True(points.Count == pageSize || offset is null, $"a page of {points.Count} before the end (pages of {pageSize})");
            paged.AddRange(points.Select(p => p.Id));
        }
        while (offset is not null);

        Assert.Equal(oracle.Keys.Order(), paged);

        for (var i = 0; i < 5 && oracle.Count > 0; i++)
        {
            var query = RandomVector(random);
            var exact = _engine.Search(Acme, "c", new SearchQuery(query, 10, false, false) { Exact = true });
            Assert.Equal(Exact(oracle.ToDictionary(e => e.Key, e => e.Value.Vector), query, 10, metric), Ids(exact));
            Assert.All(_engine.Search(Acme, "c", new SearchQuery(query, 10, false, false)), hit => Assert.Contains(hit.Id, oracle.Keys));
        }
    }

    private static List<PointId> Exact(Dictionary<PointId, float[]> oracle, float[] query, int k, Metric metric)
    {
        var prepared = Stored(query, metric);
        return [.. oracle.Select(e => (e.Key, Distance: Distance(prepared, Stored(e.Value, metric), metric))).OrderBy(e => e.Distance).Take(k).Select(e => e.Key)];
    }

    private static float Distance(float[] a, float[] b, Metric metric) =>
        metric == Metric.L2 ? a.Zip(b, (x, y) => (x - y) * (x - y)).Sum() : -a.Zip(b, (x, y) => x * y).Sum();

    private static float[] Stored(float[] vector, Metric metric)
    {
        if (metric != Metric.Cosine)
        {
            return vector;
        }

        var norm = MathF.Sqrt(vector.Sum(x => x * x));
        return [.. vector.Select(x => x / norm)];
    }

    private static List<PointId> Ids(IReadOnlyList<ScoredPoint> hits) => [.. hits.Select(h => h.Id)];

    private static Point RandomPoint(Random random, int id, int version) =>
        new(PointId.FromNumber((ulong)id), RandomVector(random), new JsonObject { ["i"] = id, ["version"] = version });

    private static float[] RandomVector(Random random) => [.. Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble() * 2 - 1)];

    private VaultEngine Open(long budget = 1L << 30) =>
        VaultEngine.Open(new EngineOptions { DataDirectory = _data, KeyCheckInterval = TimeSpan.Zero, CompactionInterval = TimeSpan.Zero, SegmentCacheBytes = budget }, _hsm, _audit, NullLogger<VaultEngine>.Instance, TimeProvider.System);

    private async Task RestartAsync(long budget = 1L << 30)
    {
        await _engine.DisposeAsync();
        _engine = Open(budget);
    }
}
