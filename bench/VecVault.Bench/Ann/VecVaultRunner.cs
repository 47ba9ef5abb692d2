using System.Diagnostics;
using HdrHistogram;
using VecVault.Bench.Datasets;
using VecVault.Core.Collections;
using VecVault.Index.Hnsw;
using VecVault.Index.Vectors;
using VecVault.Memory.Locked;

namespace VecVault.Bench.Ann;

/// <summary>VecVault's HNSW in process (no gRPC, no encryption: the index as a segment uses it), one thread.</summary>
internal static class VecVaultRunner
{
    public static AnnResult Run(Dataset dataset, int[][] truth, int m, int efConstruction, IReadOnlyList<int> efs, int k, Action<string> progress)
    {
        LockedMemory.Policy = LockedMemoryPolicy.BestEffort;

        // Built as the active segment builds it: in a store that grows chunk by chunk.
        using var building = new VectorStore(dataset.Dimension);
        foreach (var vector in dataset.Base)
        {
            building.Add(vector);
        }

        var built = new HnswIndex(building, Metric.L2, new HnswOptions { M = m, EfConstruction = efConstruction, Seed = 100 });
        var build = Stopwatch.StartNew();
        for (var i = 0; i < dataset.Base.Length; i++)
        {
            built.Add();
            if (i % 50_000 == 49_999)
            {
                progress($"vecvault: built {i + 1} of {dataset.Base.Length} in {build.Elapsed.TotalSeconds:F0} s");
            }
        }

        var buildSeconds = build.Elapsed.TotalSeconds;

        // Searched as a loaded sealed segment is (SegmentImage): vectors in a store sized up front, so a large one takes
        // huge-page chunks, and the graph attached from its serialised form, not rebuilt.
        using var store = new VectorStore(dataset.Dimension, dataset.Base.Length);
        foreach (var vector in dataset.Base)
        {
            store.Add(vector);
        }

        using var graph = new MemoryStream();
        built.WriteTo(graph);
        building.Dispose();
        graph.Position = 0;
        var index = HnswIndex.Load(graph, store);
        var sweep = new List<SweepPoint>();
        var results = new Neighbor[k];
        foreach (var ef in efs)
        {
            // One warm-up pass so the thread's search buffers are allocated and the code is jitted.
            foreach (var query in dataset.Queries.Take(50))
            {
                index.Search(query, k, ef, null, results);
            }

            var histogram = new LongHistogram(Stopwatch.Frequency * 10, 3);
            var hits = 0;
            var total = Stopwatch.StartNew();
            for (var q = 0; q < dataset.Queries.Length; q++)
            {
                var started = Stopwatch.GetTimestamp();
                var found = index.Search(dataset.Queries[q], k, ef, null, results);
                histogram.RecordValue(Stopwatch.GetTimestamp() - started);
                var expected = truth[q].AsSpan(0, k);
                for (var i = 0; i < found; i++)
                {
                    hits += expected.Contains(results[i].Node) ? 1 : 0;
                }
            }

            var seconds = total.Elapsed.TotalSeconds;
            sweep.Add(new SweepPoint(
                ef,
                hits / (double)(dataset.Queries.Length * k),
                dataset.Queries.Length / seconds,
                Micros(histogram.GetValueAtPercentile(50)),
                Micros(histogram.GetValueAtPercentile(99)),
                Micros((long)histogram.GetMean())));
            progress($"vecvault: ef {ef}: recall {sweep[^1].Recall:F4}, {sweep[^1].Qps:F0} QPS");
        }

        var memory = store.Bytes + index.Bytes;
        var locked = LockedMemory.LockedBytes > 0 ? "vectors in locked memory" : "vectors in unlocked memory (no mlock here)";
        return new AnnResult("vecvault", $"VecVault HnswIndex, .NET {Environment.Version}, kernel {Index.Distance.DistanceKernels.Implementation}", buildSeconds, memory,
            $"vector store plus neighbour lists (HnswIndex.Bytes); {locked}", sweep);
    }

    private static double Micros(long stopwatchTicks) => stopwatchTicks * 1e6 / Stopwatch.Frequency;
}
