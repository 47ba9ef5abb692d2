using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using VecVault.Bench.Datasets;
using VecVault.Bench.Reports;

namespace VecVault.Bench.Ann;

/// <summary>
/// <c>vecvault-bench index</c>: VecVault's HNSW against hnswlib (Debian's build and a native one) and FAISS HNSW, same
/// data, same M and ef_construction, same machine, same run. Sweeps ef and reports recall@10, single-thread QPS,
/// latency percentiles, build time and memory, and VecVault's QPS as a ratio to each peer's at equal recall.
/// </summary>
internal static class IndexBenchmark
{
    private const int K = 10;

    public static Command Command()
    {
        var quick = new Option<bool>("--quick") { Description = "Small sets (Fashion-MNIST 10k, clustered 20k x 128, 500 queries): a smoke run of about a minute" };
        var peers = new Option<string>("--peers") { Description = $"Peers to run, comma-separated ({string.Join(", ", PeerRunner.All)}), or none", DefaultValueFactory = _ => string.Join(',', PeerRunner.All) };
        var m = new Option<int>("--m") { Description = "HNSW M for every index", DefaultValueFactory = _ => 16 };
        var efc = new Option<int>("--ef-construction") { Description = "HNSW ef_construction for every index", DefaultValueFactory = _ => 200 };
        var output = new Option<string>("--out") { Description = "Results directory", DefaultValueFactory = _ => Path.Combine(Repository.Root, "bench", "results") };
        var datasets = new Option<string>("--datasets")
        {
            Description = "Datasets of the profile to run, comma-separated; each selects the names it begins (full: fashion-mnist-60k, clustered-1m-128; quick: fashion-mnist-10k, clustered-20k-128). Default: all",
            DefaultValueFactory = _ => "",
        };
        var command = new Command("index", "HNSW recall and single-thread QPS against hnswlib and FAISS on Fashion-MNIST and a clustered set") { quick, peers, m, efc, output, datasets };
        command.SetAction(parse => Run(
            parse.GetValue(quick),
            List(parse.GetValue(peers)).Where(p => p != "none").ToList(),
            List(parse.GetValue(datasets)),
            parse.GetValue(m),
            parse.GetValue(efc),
            parse.GetValue(output)!));
        return command;
    }

    private static int Run(bool quick, IReadOnlyCollection<string> peers, IReadOnlyCollection<string> selected, int m, int efConstruction, string output)
    {
        var unknown = peers.Except(PeerRunner.All).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"error: unknown peer {string.Join(", ", unknown)}");
            return 2;
        }

        int[] efs = quick ? [10, 32, 64, 128] : [10, 16, 32, 64, 128, 256, 512];
        var cache = Path.Combine(output, "cache");

        // Named before they load (loading the 1M set takes a while), so a selection skips the others' cost.
        var profile = new List<(string Name, Func<Dataset> Load)>
        {
            quick ? ("fashion-mnist-10k", () => Dataset.FashionMnist(10_000, 500)) : ("fashion-mnist-60k", () => Dataset.FashionMnist(60_000, 1_000)),
            quick ? ("clustered-20k-128", () => Synthetic.Clustered(20_000, 128, 64, 500, seed: 7)) : ("clustered-1m-128", () => Synthetic.Clustered(1_000_000, 128, 1_024, 1_000, seed: 7)),
        };
        var unmatched = selected.Where(s => !profile.Any(d => d.Name.StartsWith(s, StringComparison.Ordinal))).ToList();
        if (unmatched.Count > 0)
        {
            Console.Error.WriteLine($"error: no dataset of the {(quick ? "quick" : "full")} profile ({string.Join(", ", profile.Select(d => d.Name))}) matches {string.Join(", ", unmatched)}");
            return 2;
        }

        var datasets = profile.Where(d => selected.Count == 0 || selected.Any(s => d.Name.StartsWith(s, StringComparison.Ordinal))).Select(d => d.Load).ToList();
        var machine = Machine.Describe(typeof(Index.Hnsw.HnswIndex), typeof(System.Numerics.Tensors.TensorPrimitives));
        var started = DateTimeOffset.Now;
        var runs = new List<DatasetRun>();
        foreach (var load in datasets)
        {
            var dataset = load();
            Progress($"{dataset.Name}: {dataset.Base.Length} x {dataset.Dimension}, {dataset.Queries.Length} queries; exact ground truth");
            var truth = GroundTruth.Get(dataset, K, cache);
            var results = new List<AnnResult> { VecVaultRunner.Run(dataset, truth, m, efConstruction, efs, K, Progress) };
            results.AddRange(PeerRunner.Run(peers, dataset, truth, cache, m, efConstruction, efs, K, Progress));
            runs.Add(new DatasetRun(dataset.Name, dataset.Base.Length, dataset.Dimension, dataset.Queries.Length, results));
            Plots.RecallVsQps(Path.Combine(output, $"index-{(quick ? "quick-" : "")}{dataset.Name}.png"), $"{dataset.Name}, M {m}, ef_construction {efConstruction}", "queries/s, one thread",
                results.Select(r => new Plots.Series(r.Peer, [.. r.Sweep.Select(p => p.Recall)], [.. r.Sweep.Select(p => p.Qps)])));
        }

        Directory.CreateDirectory(output);
        var report = new IndexReport(started, quick ? "quick" : "full", machine, m, efConstruction, K, runs);
        var stem = Path.Combine(output, quick ? "index-quick" : "index");
        File.WriteAllText($"{stem}.json", JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText($"{stem}.md", report.ToMarkdown());
        Console.WriteLine(report.ToMarkdown());
        Progress($"wrote {stem}.json, {stem}.md and the plots");
        return 0;
    }

    private static List<string> List(string? commaSeparated) =>
        [.. (commaSeparated ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTimeOffset.Now:HH:mm:ss}] {message}");
}

/// <summary>Every index on one dataset.</summary>
/// <param name="Dataset">Its name.</param>
/// <param name="Base">Vectors indexed.</param>
/// <param name="Dimension">Vector length.</param>
/// <param name="Queries">Queries searched.</param>
/// <param name="Results">One per index.</param>
internal sealed record DatasetRun(string Dataset, int Base, int Dimension, int Queries, IReadOnlyList<AnnResult> Results);

/// <summary>A whole run of the index benchmark.</summary>
internal sealed record IndexReport(DateTimeOffset Started, string Profile, Machine Machine, int M, int EfConstruction, int K, IReadOnlyList<DatasetRun> Datasets)
{
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Index benchmark ({Profile} profile), {Started:yyyy-MM-dd HH:mm}; M {M}, ef_construction {EfConstruction}, recall@{K}, one thread.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.ToMarkdown()}.");
        foreach (var run in Datasets)
        {
            var vecvault = run.Results.Single(r => r.Peer == "vecvault");
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"**{run.Dataset}** ({run.Base} x {run.Dimension}, {run.Queries} queries)");
            text.AppendLine();
            text.AppendLine("| index | build s | memory MiB | ef | recall@10 | QPS | p50 µs | p99 µs |");
            text.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var result in run.Results)
            {
                foreach (var point in result.Sweep)
                {
                    text.AppendLine(CultureInfo.InvariantCulture,
                        $"| {result.Peer} | {result.BuildSeconds:F1} | {result.MemoryBytes / 1048576.0:F0} | {point.Ef} | {point.Recall:F4} | {point.Qps:F0} | {point.P50Us:F0} | {point.P99Us:F0} |");
                }
            }

            text.AppendLine();
            text.AppendLine("| VecVault against | QPS ratio at recall 0.95 | at 0.99 | build time ratio |");
            text.AppendLine("|---|---|---|---|");
            foreach (var peer in run.Results.Where(r => r.Peer != "vecvault"))
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {peer.Peer} | {Ratio(vecvault.QpsAtRecall(0.95), peer.QpsAtRecall(0.95))} | {Ratio(vecvault.QpsAtRecall(0.99), peer.QpsAtRecall(0.99))} | {vecvault.BuildSeconds / peer.BuildSeconds:F2} |");
            }
        }

        text.AppendLine();
        text.AppendLine("A QPS ratio above 1 means VecVault answers more queries per second than the peer at that recall (its fastest ef reaching it); a build time ratio below 1 means VecVault builds faster. `n/a`: one side never reached the recall in the sweep.");
        foreach (var build in Datasets.SelectMany(d => d.Results).Select(r => $"{r.Peer}: {r.Build}").Distinct())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {build}");
        }

        return text.ToString();
    }

    private static string Ratio(double? ours, double? theirs) =>
        ours is { } a && theirs is { } b ? (a / b).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
}
