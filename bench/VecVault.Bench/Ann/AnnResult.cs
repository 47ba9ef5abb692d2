using System.Text.Json.Serialization;

namespace VecVault.Bench.Ann;

/// <summary>One index (VecVault's or a peer's) on one dataset: how long it took to build, its memory, and an ef sweep.</summary>
/// <param name="Peer">Who: vecvault, hnswlib-debian, faiss-hnsw-debian, hnswlib-native.</param>
/// <param name="Build">The build measured (library version, compiler flags).</param>
/// <param name="BuildSeconds">Index build time, one thread.</param>
/// <param name="MemoryBytes">Memory of the index (see <paramref name="MemoryNote"/>).</param>
/// <param name="MemoryNote">How the memory was measured.</param>
/// <param name="Sweep">Recall and speed per ef.</param>
public sealed record AnnResult(
    [property: JsonPropertyName("peer")] string Peer,
    [property: JsonPropertyName("build")] string Build,
    [property: JsonPropertyName("build_seconds")] double BuildSeconds,
    [property: JsonPropertyName("memory_bytes")] long MemoryBytes,
    [property: JsonPropertyName("memory_note")] string? MemoryNote,
    [property: JsonPropertyName("sweep")] IReadOnlyList<SweepPoint> Sweep)
{
    /// <summary>The fastest single-thread QPS among the sweep points reaching <paramref name="recall"/>; null when none does.</summary>
    public double? QpsAtRecall(double recall) =>
        Sweep.Where(p => p.Recall >= recall).Select(p => (double?)p.Qps).DefaultIfEmpty(null).Max();
}

/// <summary>One ef of a sweep: recall@k against the exact neighbours, single-thread queries/s and latency percentiles.</summary>
/// <param name="Ef">Candidate list size.</param>
/// <param name="Recall">Recall@k.</param>
/// <param name="Qps">Queries per second, one thread.</param>
/// <param name="P50Us">Median latency, microseconds.</param>
/// <param name="P99Us">99th percentile latency, microseconds.</param>
/// <param name="MeanUs">Mean latency, microseconds.</param>
public sealed record SweepPoint(
    [property: JsonPropertyName("ef")] int Ef,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("qps")] double Qps,
    [property: JsonPropertyName("p50_us")] double P50Us,
    [property: JsonPropertyName("p99_us")] double P99Us,
    [property: JsonPropertyName("mean_us")] double MeanUs);
