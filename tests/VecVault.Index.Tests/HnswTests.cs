using VecVault.Core.Collections;
using VecVault.Index.Distance;
using VecVault.Index.Exact;
using VecVault.Index.Hnsw;
using VecVault.Index.Vectors;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.Index.Tests;

/// <summary>HNSW against exact search: recall with fixed seeds and a stated miss budget, concurrency, serialisation.</summary>
public sealed class HnswTests(ITestOutputHelper output)
{
    private const int K = 10;

    /// <summary>Recall@10 at the default parameters (M 16, ef_construction 200, ef 64) must reach 0.95: the budget is 5 missed of every 100 true neighbours.</summary>
    private const double RecallFloor = 0.95;

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.Dot)]
    [InlineData(Metric.Cosine)]
    public void Recall_at_10_on_random_vectors_reaches_the_floor(Metric metric)
    {
        var random = new Random(42);
        var data = Random(random, 5_000, 32, metric);
        var queries = Random(random, 100, 32, metric);
        using var store = Store(data);
        var index = Build(store, metric);
        var recall = Recall(index, store, metric, queries, index.Options.EfSearch);
        output.WriteLine($"{metric}: recall@10 {recall:F4} over 5000 x 32 random, 100 queries (floor {RecallFloor})");
        Assert.True(recall >= RecallFloor, $"recall@10 {recall:F4} < {RecallFloor}");
    }

    [Fact]
    public void Recall_at_10_on_a_slice_of_fashion_mnist_reaches_the_floor()
    {
        var data = FashionMnist.Train(10_000);
        var queries = FashionMnist.Test(100);
        using var store = Store(data);
        var index = Build(store, Metric.L2);
        var recall = Recall(index, store, Metric.L2, queries, index.Options.EfSearch);
        output.WriteLine($"Fashion-MNIST 10000 x 784, 100 test queries: recall@10 {recall:F4} at ef {index.Options.EfSearch} (floor {RecallFloor})");
        Assert.True(recall >= RecallFloor, $"recall@10 {recall:F4} < {RecallFloor}");
    }

    [Fact]
    public void A_larger_ef_never_lowers_recall_much_and_ef_at_least_k_is_used()
    {
        var random = new Random(7);
        var data = Random(random, 3_000, 24, Metric.L2);
        var queries = Random(random, 50, 24, Metric.L2);
        using var store = Store(data);
        var index = Build(store, Metric.L2);
        var low = Recall(index, store, Metric.L2, queries, ef: 1);
        var high = Recall(index, store, Metric.L2, queries, ef: 256);
        output.WriteLine($"recall@10 at ef 1 (raised to k): {low:F4}; at ef 256: {high:F4}");
        Assert.True(high >= 0.99, $"recall at ef 256 is {high:F4}");
        Assert.True(high >= low);
    }

    [Fact]
    public void Searches_skip_rejected_nodes_and_return_the_k_best_accepted_ones()
    {
        var random = new Random(3);
        var data = Random(random, 4_000, 16, Metric.L2);
        using var store = Store(data);
        var index = Build(store, Metric.L2);
        Func<int, bool> even = slot => slot % 2 == 0;
        var hits = 0;
        foreach (var query in Random(random, 50, 16, Metric.L2))
        {
            var results = new Neighbor[K];
            var found = index.Search(query, K, 128, even, results);
            Assert.Equal(K, found);
            Assert.All(results, r => Assert.True(r.Node % 2 == 0));
            var exact = ExactSearch.Search(store, Metric.L2, query, K, slot => slot % 2 == 0).Select(h => h.Slot).ToHashSet();
            hits += results.Count(r => exact.Contains(r.Node));
        }

        Assert.True(hits >= 0.95 * 50 * K, $"filtered recall {hits / (50.0 * K):F4}");
    }

    [Fact]
    public async Task Searches_during_inserts_stay_valid_and_the_graph_equals_one_built_alone()
    {
        var random = new Random(11);
        var data = Random(random, 6_000, 16, Metric.L2);
        var queries = Random(random, 20, 16, Metric.L2);
        using var store = new VectorStore(16);
        var index = new HnswIndex(store, Metric.L2, new HnswOptions { Seed = 5 });
        using var stop = new CancellationTokenSource();
        var searches = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var results = new Neighbor[K];
            while (!stop.IsCancellationRequested)
            {
                var count = index.Count;
                var query = queries[Volatile.Read(ref searches) % queries.Length];
                var found = index.Search(query, K, 32, null, results);
                Assert.True(found >= Math.Min(K, count), $"found {found} with {count} nodes (now {index.Count})");
                for (var i = 0; i < found; i++)
                {
                    Assert.InRange(results[i].Node, 0, store.Count - 1);
                    Assert.Equal(DistanceKernels.L2Squared(query, store.Get(results[i].Node)), results[i].Distance);
                    Assert.True(i == 0 || results[i - 1].Distance <= results[i].Distance);
                }

                Interlocked.Increment(ref searches);
            }
        })).ToList();

        while (Volatile.Read(ref searches) == 0)
        {
            await Task.Delay(1);
        }

        foreach (var vector in data)
        {
            store.Add(vector);
            index.Add();
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        using var alone = Store(data);
        var reference = new HnswIndex(alone, Metric.L2, new HnswOptions { Seed = 5 });
        for (var i = 0; i < data.Length; i++)
        {
            reference.Add();
        }

        Assert.Equal(Serialise(reference), Serialise(index));
        output.WriteLine($"{searches} searches ran during 6000 inserts; the graph equals one built without them");
    }

    [Fact]
    public void A_serialised_graph_loads_without_a_rebuild_and_answers_identically()
    {
        var random = new Random(13);
        var data = Random(random, 3_000, 20, Metric.Cosine);
        using var store = Store(data);
        var index = Build(store, Metric.Cosine);
        var bytes = Serialise(index);
        var loaded = HnswIndex.Load(new MemoryStream(bytes), store);
        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(bytes, Serialise(loaded));
        foreach (var query in Random(random, 30, 20, Metric.Cosine))
        {
            var expected = new Neighbor[K];
            var actual = new Neighbor[K];
            Assert.Equal(index.Search(query, K, 64, null, expected), loaded.Search(query, K, 64, null, actual));
            Assert.Equal(expected, actual);
        }

        // Inserts go on after loading.
        store.Add(data[0]);
        loaded.Add();
        Assert.Equal(index.Count + 1, loaded.Count);
    }

    [Fact]
    public void A_corrupt_or_truncated_graph_is_refused()
    {
        var random = new Random(17);
        using var store = Store(Random(random, 500, 8, Metric.L2));
        var bytes = Serialise(Build(store, Metric.L2));
        Assert.Throws<InvalidDataException>(() => HnswIndex.Load(new MemoryStream(bytes[..^3]), store));
        var bad = bytes.ToArray();
        bad[^1] = 0x7f;
        Assert.Throws<InvalidDataException>(() => HnswIndex.Load(new MemoryStream(bad), store));
        bad = bytes.ToArray();
        bad[0] ^= 1;
        Assert.Throws<InvalidDataException>(() => HnswIndex.Load(new MemoryStream(bad), store));
    }

    private static HnswIndex Build(VectorStore store, Metric metric)
    {
        var index = new HnswIndex(store, metric, new HnswOptions { Seed = 1 });
        for (var i = 0; i < store.Count; i++)
        {
            index.Add();
        }

        return index;
    }

    private static double Recall(HnswIndex index, VectorStore store, Metric metric, float[][] queries, int ef)
    {
        var hits = 0;
        var results = new Neighbor[K];
        foreach (var query in queries)
        {
            var exact = ExactSearch.Search(store, metric, query, K, _ => true).Select(h => h.Slot).ToHashSet();
            var found = index.Search(query, K, ef, null, results);
            hits += results.Take(found).Count(r => exact.Contains(r.Node));
        }

        return hits / (double)(queries.Length * K);
    }

    private static byte[] Serialise(HnswIndex index)
    {
        using var stream = new MemoryStream();
        index.WriteTo(stream);
        return stream.ToArray();
    }

    private static VectorStore Store(float[][] data)
    {
        var store = new VectorStore(data[0].Length);
        foreach (var vector in data)
        {
            store.Add(vector);
        }

        return store;
    }

    private static float[][] Random(Random random, int count, int dimension, Metric metric) =>
        [.. Enumerable.Range(0, count).Select(_ =>
        {
            var vector = Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
            if (metric == Metric.Cosine)
            {
                DistanceKernels.Normalize(vector);
            }

            return vector;
        })];
}
