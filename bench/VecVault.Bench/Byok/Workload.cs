using System.Diagnostics;
using System.Text.Json.Serialization;
using HdrHistogram;

namespace VecVault.Bench.Byok;

/// <summary>One search: the query's index in the query set; returns the ids found, best first.</summary>
internal delegate ValueTask<ulong[]> SearchCall(int query);

/// <summary>
/// Query loops with HdrHistogram: <c>clients</c> concurrent loops over the query set, each starting at its own offset.
/// Without a target rate every loop sends its next query when the last one is answered (closed loop). With one, every
/// loop sends on a fixed schedule and a query's latency counts from when it was due, not from when it was sent, so a
/// stall is charged to every query it delayed (coordinated omission corrected).
/// </summary>
internal static class Workload
{
    /// <summary>
    /// Runs <paramref name="queriesPerClient"/> searches on each of <paramref name="clients"/> loops, loop i searching
    /// through <c>connect(i)</c>, and adds their latencies, hits and time to <paramref name="into"/>.
    /// </summary>
    public static async Task RunAsync(Func<int, SearchCall> connect, int queryCount, int clients, int queriesPerClient, double targetRate, int[][] truth, int k, LatencyRecorder into)
    {
        var histograms = new LongHistogram[clients];
        var hits = new long[clients];
        var interval = targetRate > 0 ? TimeSpan.FromSeconds(clients / targetRate) : TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var search = connect(client);
            var histogram = histograms[client] = LatencyRecorder.NewHistogram();
            var offset = client * queryCount / clients;
            for (var i = 0; i < queriesPerClient; i++)
            {
                var query = (offset + i) % queryCount;
                var due = interval > TimeSpan.Zero ? started + (long)(i * interval.TotalSeconds * Stopwatch.Frequency) : Stopwatch.GetTimestamp();
                if (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due) is { TotalMilliseconds: > 0 } wait)
                {
                    await Task.Delay(wait);
                }

                var found = await search(query);
                histogram.RecordValue(Math.Max(1, Stopwatch.GetTimestamp() - due));
                hits[client] += Hits(found, truth[query], k);
            }
        })));
        into.Add(histograms, Stopwatch.GetElapsedTime(started).TotalSeconds, hits.Sum(), clients * (long)queriesPerClient * k);
    }

    /// <summary>How many of <paramref name="found"/> are among the first <paramref name="k"/> exact neighbours.</summary>
    public static int Hits(ulong[] found, int[] exact, int k)
    {
        var hits = 0;
        foreach (var id in found)
        {
            hits += Array.IndexOf(exact, (int)id, 0, k) >= 0 ? 1 : 0;
        }

        return hits;
    }
}

/// <summary>Latencies, hits and time of one kind of run, added up over several runs (the rounds of a benchmark).</summary>
/// <param name="clients">Concurrent loops of every run.</param>
/// <param name="targetRate">The schedule's searches per second (0: closed loop).</param>
internal sealed class LatencyRecorder(int clients, double targetRate)
{
    private readonly LongHistogram _histogram = NewHistogram();
    private double _seconds;
    private long _hits;
    private long _possible;

    /// <summary>A histogram of Stopwatch ticks up to a minute, three significant digits.</summary>
    public static LongHistogram NewHistogram() => new(Stopwatch.Frequency * 60, 3);

    public void Add(IEnumerable<LongHistogram> histograms, double seconds, long hits, long possible)
    {
        foreach (var histogram in histograms)
        {
            _histogram.Add(histogram);
        }

        _seconds += seconds;
        _hits += hits;
        _possible += possible;
    }

    public LatencyResult Result() => new(
        clients,
        _histogram.TotalCount,
        _histogram.TotalCount / _seconds,
        _hits / (double)_possible,
        targetRate,
        LatencyResult.Micros(_histogram.GetValueAtPercentile(50)),
        LatencyResult.Micros(_histogram.GetValueAtPercentile(90)),
        LatencyResult.Micros(_histogram.GetValueAtPercentile(99)),
        LatencyResult.Micros(_histogram.GetValueAtPercentile(99.9)),
        LatencyResult.Micros(_histogram.GetMaxValue()),
        [.. _histogram.Percentiles(5).Where(p => p.Percentile < 100).Select(p => new[] { p.Percentile, LatencyResult.Micros(p.ValueIteratedTo) })]);
}

/// <summary>Latency percentiles and throughput of a kind of run.</summary>
/// <param name="Clients">Concurrent loops.</param>
/// <param name="Queries">Searches measured.</param>
/// <param name="Qps">Searches per second over all loops.</param>
/// <param name="Recall">Recall@k of every search.</param>
/// <param name="TargetRate">The schedule's searches per second (0: closed loop).</param>
/// <param name="P50Us">Median, microseconds.</param>
/// <param name="P90Us">90th percentile.</param>
/// <param name="P99Us">99th percentile.</param>
/// <param name="P999Us">99.9th percentile.</param>
/// <param name="MaxUs">Slowest search.</param>
/// <param name="Curve">The percentile distribution (percentile, microseconds), for the plots.</param>
internal sealed record LatencyResult(
    [property: JsonPropertyName("clients")] int Clients,
    [property: JsonPropertyName("queries")] long Queries,
    [property: JsonPropertyName("qps")] double Qps,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("target_rate")] double TargetRate,
    [property: JsonPropertyName("p50_us")] double P50Us,
    [property: JsonPropertyName("p90_us")] double P90Us,
    [property: JsonPropertyName("p99_us")] double P99Us,
    [property: JsonPropertyName("p999_us")] double P999Us,
    [property: JsonPropertyName("max_us")] double MaxUs,
    [property: JsonPropertyName("curve")] IReadOnlyList<double[]> Curve)
{
    /// <summary>Stopwatch ticks to microseconds.</summary>
    public static double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}
