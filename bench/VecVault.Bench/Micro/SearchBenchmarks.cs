using BenchmarkDotNet.Attributes;
using VecVault.Core.Collections;
using VecVault.Index.Hnsw;
using VecVault.Index.Vectors;
using VecVault.Memory.Locked;

namespace VecVault.Bench.Micro;

/// <summary>One HNSW search of a warm 20,000 x 128 graph: its time, and that it allocates nothing (MemoryDiagnoser).</summary>
[MemoryDiagnoser]
public class SearchBenchmarks
{
    private readonly Neighbor[] _results = new Neighbor[10];
    private VectorStore _store = null!;
    private HnswIndex _index = null!;
    private float[][] _queries = [];
    private int _next;

    [Params(32, 128)]
    public int Ef { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        LockedMemory.Policy = LockedMemoryPolicy.BestEffort;
        var dataset = Datasets.Synthetic.Clustered(20_000, 128, 64, 256, seed: 7);
        _store = new VectorStore(128);
        foreach (var vector in dataset.Base)
        {
            _store.Add(vector);
        }

        _index = new HnswIndex(_store, Metric.L2, new HnswOptions { Seed = 100 });
        for (var i = 0; i < dataset.Base.Length; i++)
        {
            _index.Add();
        }

        _queries = dataset.Queries;
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark]
    public int Search() => _index.Search(_queries[_next++ & 255], 10, Ef, null, _results);
}
