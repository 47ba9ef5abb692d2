using System.CommandLine;
using System.Text.Json;
using VecVault.Bench.Datasets;
using VecVault.Bench.Reports;
using VecVault.TestSupport;

namespace VecVault.Bench.Byok;

/// <summary>
/// <c>vecvault-bench byok</c>: what BYOK costs. The same workload runs under each key mode (none, a symmetric or an
/// asymmetric KEK in SoftHSM2, the asymmetric KEK behind p11-kit server) against a real server process the tool
/// starts, and every BYOK figure is reported as a ratio to <c>none</c> measured in the same run.
/// </summary>
internal static class ByokBenchmark
{
    public static Command Command()
    {
        var quick = new Option<bool>("--quick") { Description = "Smoke profile: Fashion-MNIST 10,000 x 784, 200 queries, 2 rounds, one cold start (under two minutes)" };
        var dataset = new Option<string?>("--dataset") { Description = "fashion-mnist[:BASE] (default: 60,000; quick: 10,000), synthetic:COUNTxDIM[:CLUSTERS], or fvecs:BASE.fvecs,QUERIES.fvecs[,GROUNDTRUTH.ivecs]" };
        var queries = new Option<int?>("--queries") { Description = "Queries searched (default 1,000; quick 200)" };
        var modes = new Option<string>("--modes") { Description = $"Key modes, comma-separated ({string.Join(", ", KeyMode.All.Select(m => m.Name))})", DefaultValueFactory = _ => string.Join(',', KeyMode.All.Select(m => m.Name)) };
        var clients = new Option<int>("--clients") { Description = "Concurrent gRPC clients (and in-process threads) of the concurrent runs", DefaultValueFactory = _ => 4 };
        var ef = new Option<int>("--ef") { Description = "ef of the latency runs", DefaultValueFactory = _ => 64 };
        var rate = new Option<double>("--rate") { Description = "Target searches per second of the concurrent gRPC run, latency corrected for coordinated omission (0: closed loop)", DefaultValueFactory = _ => 0 };
        var segmentPoints = new Option<int?>("--segment-points") { Description = "Points per segment (default: a third of the set, so three sealed segments load cold)" };
        var checkInterval = new Option<TimeSpan>("--key-check-interval") { Description = "How often the server checks every KEK (bounds revocation detection)", DefaultValueFactory = _ => TimeSpan.FromSeconds(2) };
        var address = new Option<string?>("--address") { Description = "Run against this server instead of starting one per mode (ingest, warm gRPC runs and the sweep only; no cold starts, in-process runs or revocation)" };
        var adminKey = new Option<string?>("--admin-key") { Description = "With --address: an admin key for that server (default: env VECVAULT_ADMIN_KEY)" };
        var kek = new Option<string>("--kek") { Description = "With --address: the benchmark tenant's KEK on that server's HSM: none, aes:TOKEN/LABEL or rsa:TOKEN/LABEL[:sha1|sha256]", DefaultValueFactory = _ => "none" };
        var output = new Option<string>("--out") { Description = "Results directory", DefaultValueFactory = _ => Path.Combine(Repository.Root, "bench", "results") };
        var command = new Command("byok", "Search latency with and without BYOK: each key mode against a real server, in process, cold starts, ingest, recall, memory, revocation")
        {
            quick, dataset, queries, modes, clients, ef, rate, segmentPoints, checkInterval, address, adminKey, kek, output,
        };
        command.SetAction(parse =>
        {
            var isQuick = parse.GetValue(quick);
            var names = (parse.GetValue(modes) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = names.Where(n => KeyMode.All.All(m => m.Name != n)).ToList();
            if (unknown.Count > 0 || names.Length == 0 || parse.GetValue(clients) < 1 || parse.GetValue(ef) < ByokSettings.K)
            {
                Console.Error.WriteLine(unknown.Count > 0 ? $"error: unknown key mode {string.Join(", ", unknown)}" : "error: give at least one mode, one client and an ef of at least 10");
                return Task.FromResult(2);
            }

            Target? target = null;
            if (parse.GetValue(address) is { } url)
            {
                var key = parse.GetValue(adminKey) ?? Environment.GetEnvironmentVariable("VECVAULT_ADMIN_KEY");
                if (string.IsNullOrEmpty(key) || !Target.TryParseKek(parse.GetValue(kek)!, out var reference))
                {
                    Console.Error.WriteLine(string.IsNullOrEmpty(key) ? "error: --address needs an admin key (--admin-key or VECVAULT_ADMIN_KEY)" : "error: --kek is none, aes:TOKEN/LABEL or rsa:TOKEN/LABEL[:sha1|sha256]");
                    return Task.FromResult(2);
                }

                target = new Target(url, key, reference);
            }

            return Run(
                isQuick,
                parse.GetValue(dataset) ?? (isQuick ? "fashion-mnist:10000" : "fashion-mnist"),
                parse.GetValue(queries) ?? (isQuick ? 200 : 1_000),
                [.. KeyMode.All.Where(m => names.Contains(m.Name))],
                parse.GetValue(clients),
                parse.GetValue(ef),
                parse.GetValue(rate),
                parse.GetValue(segmentPoints),
                parse.GetValue(checkInterval),
                target,
                parse.GetValue(output)!);
        });
        return command;
    }

    private static async Task<int> Run(bool quick, string datasetSpec, int queryCount, IReadOnlyList<KeyMode> modes, int clients, int ef, double rate, int? segmentPoints,
        TimeSpan checkInterval, Target? target, string output)
    {
        var started = DateTimeOffset.Now;
        // The command as run, for the report, with any admin key left out.
        var arguments = Environment.GetCommandLineArgs().Skip(1).ToArray();
        var commandLine = "./scripts/bench " + string.Join(' ', arguments.Select((a, i) => i > 0 && arguments[i - 1] == "--admin-key" ? "…" : a));
        Dataset dataset;
        try
        {
            dataset = Dataset.Parse(datasetSpec, queryCount);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        Directory.CreateDirectory(output);
        Console.Error.WriteLine($"[{DateTimeOffset.Now:HH:mm:ss}] {dataset.Name}: {dataset.Base.Length} x {dataset.Dimension}, {dataset.Queries.Length} queries; exact ground truth");
        var truth = GroundTruth.Get(dataset, ByokSettings.K, Path.Combine(output, "cache"));
        var settings = new ByokSettings(dataset, truth, clients, ef, quick ? [16, 64] : [16, 32, 64, 128, 256], quick ? 2 : 8, rate,
            segmentPoints ?? (dataset.Base.Length + 2) / 3, quick ? 1 : 3, checkInterval, TimeSpan.FromSeconds(quick ? 1 : 3));

        IReadOnlyList<ModeResult> results;
        if (target is not null)
        {
            var name = $"server at {target.Address}, {target.Kek.Model}";
            results = await ProgressDisplay.RunAsync([name], ByokRunner.StepsAgainst,
                step => new ByokRunner(settings, null, "", "", step).RunAgainstAsync(name, target.Address, target.AdminKey, target.Kek));
        }
        else
        {
            results = await RunModesAsync(settings, modes);
        }

        var report = new ByokReport(started, quick ? "quick" : "full", commandLine,
            Machine.Describe(typeof(Engine.VaultEngine), typeof(FASTER.core.FasterLog), typeof(Net.Pkcs11Interop.HighLevelAPI.Pkcs11InteropFactories),
                typeof(Grpc.Net.Client.GrpcChannel), typeof(HdrHistogram.LongHistogram)),
            dataset.Name, dataset.Base.Length, dataset.Dimension, dataset.Queries.Length, ByokSettings.K, ef, clients, settings.SegmentPoints, checkInterval.TotalSeconds, results);
        var stem = Path.Combine(output, quick ? "byok-quick" : "byok");
        var plots = WritePlots(stem, report);
        await File.WriteAllTextAsync($"{stem}.json", JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        var markdown = report.ToMarkdown(plots.Select(Path.GetFileName)!);
        await File.WriteAllTextAsync($"{stem}.md", markdown);
        Console.WriteLine(markdown);
        Console.Error.WriteLine($"[{DateTimeOffset.Now:HH:mm:ss}] wrote {stem}.json, {stem}.md and {string.Join(", ", plots.Select(Path.GetFileName))}");
        return 0;
    }

    /// <summary>Every mode against its own server: one SoftHSM2 token holds every mode's KEK, made with pkcs11-tool before anything loads the module.</summary>
    private static async Task<IReadOnlyList<ModeResult>> RunModesAsync(ByokSettings settings, IReadOnlyList<KeyMode> modes)
    {
        SoftHsm.EnsureInitialised();
        var token = SoftHsm.CreateToken();
        for (var i = 0; i < modes.Count; i++)
        {
            modes[i].CreateKey(token, $"{i + 1:x2}");
        }

        var work = Path.Combine(Path.GetTempPath(), $"vecvault-bench-byok-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        var pinFile = Path.Combine(work, "pin");
        File.WriteAllText(pinFile, token.Pin);
        File.SetUnixFileMode(pinFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var remote = modes.Any(m => m.Remote) ? new P11KitServer(token) : null;
        remote?.Start();
        try
        {
            return await ProgressDisplay.RunAsync([.. modes.Select(m => m.Name)], ByokRunner.Steps,
                step => new ByokRunner(settings, token, pinFile, work, step).RunAsync(modes));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Latency percentile curves per key mode (gRPC at 1 and N clients, and in process), and recall against QPS.</summary>
    private static IReadOnlyList<string> WritePlots(string stem, ByokReport report)
    {
        static Plots.Series Curve(string label, LatencyResult run, int colour, bool dashed = false) =>
            new(label, [.. run.Curve.Select(p => p[0])], [.. run.Curve.Select(p => p[1])], dashed, colour);

        var grpc = $"{stem}-latency-grpc.png";
        Plots.LatencyPercentiles(grpc, $"{report.Dataset}, k {report.K}, ef {report.Ef}: warm search latency over gRPC (solid: 1 client, dashed: {report.Clients})",
            report.Modes.SelectMany((m, i) => new[] { Curve($"{m.Mode}, 1 client", m.Grpc1, i), Curve($"{m.Mode}, {report.Clients} clients", m.GrpcN, i, dashed: true) }));
        List<string> plots = [grpc];
        var inProcess = $"{stem}-latency-in-process.png";
        if (report.Modes.Any(m => m.InProcess1 is not null))
        {
            plots.Add(inProcess);
            Plots.LatencyPercentiles(inProcess, $"{report.Dataset}, k {report.K}, ef {report.Ef}: warm search latency in process (solid: 1 thread, dashed: {report.Clients})",
                report.Modes.Where(m => m.InProcess1 is not null)
                    .SelectMany((m, i) => new[] { Curve($"{m.Mode}, 1 thread", m.InProcess1!, i), Curve($"{m.Mode}, {report.Clients} threads", m.InProcessN!, i, dashed: true) }));
        }

        var recall = $"{stem}-recall-qps.png";
        Plots.RecallVsQps(recall, $"{report.Dataset}: recall@{report.K} against QPS over gRPC, one client", "queries/s, one gRPC client",
            report.Modes.Select(m => new Plots.Series(m.Mode, [.. m.Sweep.Select(p => p.Recall)], [.. m.Sweep.Select(p => p.Qps)])));
        plots.Add(recall);
        return plots;
    }
}

/// <summary>A server the tool does not start: its address, an admin key, and the KEK the benchmark tenant gets.</summary>
internal sealed record Target(string Address, string AdminKey, Protocol.V1.KekReference Kek)
{
    /// <summary>none, aes:TOKEN/LABEL or rsa:TOKEN/LABEL[:sha1|sha256] (RSA-OAEP's hash, sha256 by default).</summary>
    public static bool TryParseKek(string text, out Protocol.V1.KekReference kek)
    {
        kek = new Protocol.V1.KekReference { Model = Protocol.V1.KeyModel.None };
        if (text == "none")
        {
            return true;
        }

        var parts = text.Split(':');
        var labels = parts.Length >= 2 ? parts[1].Split('/') : [];
        if (labels is not [{ Length: > 0 } tokenLabel, { Length: > 0 } keyLabel])
        {
            return false;
        }

        kek = (parts[0], parts.Length) switch
        {
            ("aes", 2) => new Protocol.V1.KekReference { Model = Protocol.V1.KeyModel.AesGcm, TokenLabel = tokenLabel, KeyLabel = keyLabel },
            ("rsa", 2 or 3) => new Protocol.V1.KekReference { Model = Protocol.V1.KeyModel.RsaOaep, TokenLabel = tokenLabel, KeyLabel = keyLabel, OaepHash = parts.Length == 3 ? parts[2] : "sha256" },
            _ => kek,
        };
        return kek.Model != Protocol.V1.KeyModel.None;
    }
}
