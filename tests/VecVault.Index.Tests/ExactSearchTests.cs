using VecVault.Core.Collections;
using VecVault.Index.Distance;
using VecVault.Index.Exact;
using VecVault.Index.Vectors;

namespace VecVault.Index.Tests;

public sealed class ExactSearchTests
{
    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.Dot)]
    public void Exact_search_returns_the_true_top_k_skipping_dead_slots(Metric metric)
    {
        var random = new Random(11);
        using var store = new VectorStore(16);
        var vectors = Enumerable.Range(0, 2_000).Select(_ => Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble()).ToArray()).ToList();
        vectors.ForEach(v => store.Add(v));
        var query = vectors[3];

        var results = ExactSearch.Search(store, metric, query, 10, slot => slot % 3 != 0);

        var expected = vectors.Select((v, slot) => (slot, score: metric == Metric.L2 ? DistanceKernels.L2SquaredScalar(query, v) : DistanceKernels.DotScalar(query, v)))
            .Where(r => r.slot % 3 != 0)
            .OrderBy(r => metric == Metric.L2 ? r.score : -r.score)
            .Take(10)
            .Select(r => r.slot);
        Assert.Equal(expected, results.Select(r => r.Slot));
    }

    [Fact]
    public void The_store_spans_chunks_and_reads_back_every_vector()
    {
        using var store = new VectorStore(300);
        for (var i = 0; i < store.VectorsPerChunk * 3 + 1; i++)
        {
            store.Add(Enumerable.Repeat((float)i, 300).ToArray());
        }

        Assert.Equal(store.VectorsPerChunk * 3 + 1, store.Count);
        Assert.Equal(store.VectorsPerChunk * 2, store.Get(store.VectorsPerChunk * 2)[299]);
    }

    [Fact]
    public void A_scan_stops_when_its_deadline_passes()
    {
        using var store = new VectorStore(4);
        for (var i = 0; i < 10_000; i++)
        {
            store.Add([i, 0, 0, 0]);
        }

        using var expired = new CancellationTokenSource();
        expired.Cancel();
        Assert.Throws<OperationCanceledException>(() => ExactSearch.Search(store, Metric.L2, [1, 0, 0, 0], 3, _ => true, expired.Token));
    }
}
