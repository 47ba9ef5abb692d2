using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using VecVault.Bench.Reports;

namespace VecVault.Bench.Byok;

/// <summary>Ingest over gRPC: <see cref="ByokSettings.Writers"/> clients upserting batches, acknowledged at the server's durability.</summary>
internal sealed record IngestResult(
    [property: JsonPropertyName("vectors_per_second")] double VectorsPerSecond,
    [property: JsonPropertyName("megabytes_per_second")] double MegabytesPerSecond,
    [property: JsonPropertyName("seal_ms")] double SealMs);

/// <summary>
/// A server start: the first search of the collection, which loads every sealed segment in parallel, and the phases
/// of one segment's load alone (a one-segment collection of as many points), from the server's counters. The unwrap
/// phase is the HSM call plus the durable audit record of it; <c>HsmCallMs</c> is the HSM call alone (from the
/// server's HSM histogram; 0 without an HSM).
/// </summary>
internal sealed record ColdStart(
    [property: JsonPropertyName("first_query_ms")] double FirstQueryMs,
    [property: JsonPropertyName("segments")] int Segments,
    [property: JsonPropertyName("segment_unwrap_ms")] double UnwrapMs,
    [property: JsonPropertyName("segment_hsm_unwrap_call_ms")] double HsmCallMs,
    [property: JsonPropertyName("segment_read_ms")] double ReadMs,
    [property: JsonPropertyName("segment_decrypt_ms")] double DecryptMs,
    [property: JsonPropertyName("segment_attach_ms")] double AttachMs,
    [property: JsonPropertyName("segment_page_bytes")] long PageBytes,
    [property: JsonPropertyName("decrypt_gb_per_second")] double DecryptGigabytesPerSecond);

/// <summary>One ef of the sweep (gRPC, one client).</summary>
internal sealed record EfPoint(
    [property: JsonPropertyName("ef")] int Ef,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("qps")] double Qps,
    [property: JsonPropertyName("p50_us")] double P50Us,
    [property: JsonPropertyName("p99_us")] double P99Us);

/// <summary>The server process's memory with the data warm (from /proc: null for a server the tool did not start).</summary>
internal sealed record MemoryResult(
    [property: JsonPropertyName("rss_bytes")] long? RssBytes,
    [property: JsonPropertyName("vm_locked_bytes")] long? VmLockedBytes,
    [property: JsonPropertyName("server_locked_bytes")] long ServerLockedBytes);

/// <summary>Everything measured under one key mode; against a server the tool did not start, no cold start, no in-process runs and no revocation.</summary>
internal sealed record ModeResult(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("key_model")] string KeyModel,
    [property: JsonPropertyName("remote_hsm")] bool Remote,
    [property: JsonPropertyName("ingest")] IngestResult Ingest,
    [property: JsonPropertyName("cold_start")] ColdStart? Cold,
    [property: JsonPropertyName("in_process_1")] LatencyResult? InProcess1,
    [property: JsonPropertyName("in_process_n")] LatencyResult? InProcessN,
    [property: JsonPropertyName("grpc_1")] LatencyResult Grpc1,
    [property: JsonPropertyName("grpc_n")] LatencyResult GrpcN,
    [property: JsonPropertyName("ef_sweep")] IReadOnlyList<EfPoint> Sweep,
    [property: JsonPropertyName("memory")] MemoryResult Memory,
    [property: JsonPropertyName("revocation_seconds")] double? RevocationSeconds);

/// <summary>A whole run of <c>vecvault-bench byok</c>.</summary>
internal sealed record ByokReport(
    [property: JsonPropertyName("started")] DateTimeOffset Started,
    [property: JsonPropertyName("profile")] string Profile,
    [property: JsonPropertyName("command")] string CommandLine,
    [property: JsonPropertyName("machine")] Machine Machine,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("base")] int Base,
    [property: JsonPropertyName("dimension")] int Dimension,
    [property: JsonPropertyName("queries")] int Queries,
    [property: JsonPropertyName("k")] int K,
    [property: JsonPropertyName("ef")] int Ef,
    [property: JsonPropertyName("clients")] int Clients,
    [property: JsonPropertyName("segment_points")] int SegmentPoints,
    [property: JsonPropertyName("key_check_interval_seconds")] double KeyCheckIntervalSeconds,
    [property: JsonPropertyName("modes")] IReadOnlyList<ModeResult> Modes)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The baseline every ratio is against: the <c>none</c> mode when it ran.</summary>
    [JsonIgnore]
    public ModeResult? Baseline => Modes.FirstOrDefault(m => m.Mode == "none");

    public string ToMarkdown(IEnumerable<string> plots)
    {
        var text = new StringBuilder();
        text.AppendLine(C, $"# BYOK benchmark, {Profile} profile, {Started:yyyy-MM-dd HH:mm}");
        text.AppendLine();
        text.AppendLine(C, $"Command: `{CommandLine}`");
        text.AppendLine();
        text.AppendLine(C, $"Machine: {Machine.ToMarkdown()}.");
        text.AppendLine();
        text.Append(C, $"Dataset {Dataset}: {Base:N0} x {Dimension} (L2), {Queries:N0} queries, k {K}, ef {Ef}; M {ByokSettings.M}, ef_construction {ByokSettings.EfConstruction}; ")
            .Append(C, $"segments of {SegmentPoints:N0} points; {Clients} concurrent clients. ")
            .AppendLine(Modes.Any(m => m.Cold is not null)
                ? string.Create(C, $"One server process per mode, started by the tool, checking KEKs every {KeyCheckIntervalSeconds:F0} s; gRPC clients on loopback in the tool's process; in process: the engine in the tool's process over the data the server wrote.")
                : "Against a server the tool did not start: no cold starts, in-process runs or revocation.");
        Latency(text);
        Overhead(text);
        Cold(text);
        Other(text);
        Goals(text);
        text.AppendLine();
        text.AppendLine("Plots: " + string.Join(", ", plots.Select(p => $"`{p}`")) + ".");
        return text.ToString();
    }

    private void Latency(StringBuilder text)
    {
        text.AppendLine();
        text.AppendLine("## Warm search latency (µs, HdrHistogram)");
        text.AppendLine();
        text.AppendLine("| mode | path | clients | p50 | p90 | p99 | p99.9 | max | QPS | recall@10 |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var mode in Modes)
        {
            foreach (var (path, run) in Paths(mode))
            {
                var rate = run.TargetRate > 0 ? $" (target {run.TargetRate:N0}/s)" : "";
                text.AppendLine(C, $"| {mode.Mode} | {path} | {run.Clients}{rate} | {run.P50Us:F0} | {run.P90Us:F0} | {run.P99Us:F0} | {run.P999Us:F0} | {run.MaxUs:F0} | {run.Qps:N0} | {run.Recall:F4} |");
            }
        }
    }

    private void Overhead(StringBuilder text)
    {
        if (Baseline is not { } none || Modes.Count < 2)
        {
            return;
        }

        text.AppendLine();
        text.AppendLine("## BYOK overhead: each mode as a ratio to `none` in this run (1.00 = no cost; latency above 1 is slower, QPS and ingest below 1 are slower)");
        text.AppendLine();
        text.AppendLine("| mode | gRPC 1 p50 | gRPC 1 p99 | gRPC N p50 | gRPC N p99 | gRPC N QPS | in process p50 | in process p99 | ingest | cold first search | segment unwrap |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var mode in Modes.Where(m => m != none))
        {
            text.Append(C, $"| {mode.Mode} | {R(mode.Grpc1.P50Us, none.Grpc1.P50Us)} | {R(mode.Grpc1.P99Us, none.Grpc1.P99Us)} | {R(mode.GrpcN.P50Us, none.GrpcN.P50Us)} | {R(mode.GrpcN.P99Us, none.GrpcN.P99Us)} ")
                .Append(C, $"| {R(mode.GrpcN.Qps, none.GrpcN.Qps)} | {R(mode.InProcess1?.P50Us, none.InProcess1?.P50Us)} | {R(mode.InProcess1?.P99Us, none.InProcess1?.P99Us)} | {R(mode.Ingest.VectorsPerSecond, none.Ingest.VectorsPerSecond)} ")
                .AppendLine(C, $"| {R(mode.Cold?.FirstQueryMs, none.Cold?.FirstQueryMs)} | {R(mode.Cold?.UnwrapMs, none.Cold?.UnwrapMs)} |");
        }
    }

    private void Cold(StringBuilder text)
    {
        if (Modes.All(m => m.Cold is null))
        {
            return;
        }

        text.AppendLine();
        text.AppendLine("## Cold start (median of the server starts)");
        text.AppendLine();
        text.AppendLine("The first search after a start loads every sealed segment of the collection, in parallel; the phases are of one segment loaded alone (a one-segment collection of as many points), as the server's counters split it.");
        text.AppendLine();
        text.AppendLine("| mode | first search ms (segments) | one segment: MB | unwrap ms (HSM call + audit record) | of which HSM call ms | read ms | decrypt ms | attach ms | decrypt GB/s |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var mode in Modes.Where(m => m.Cold is not null))
        {
            var cold = mode.Cold!;
            text.AppendLine(C, $"| {mode.Mode} | {cold.FirstQueryMs:F1} ({cold.Segments}) | {cold.PageBytes / 1e6:F1} | {cold.UnwrapMs:F3} | {cold.HsmCallMs:F3} | {cold.ReadMs:F2} | {cold.DecryptMs:F2} | {cold.AttachMs:F2} | {cold.DecryptGigabytesPerSecond:F2} |");
        }
    }

    private void Other(StringBuilder text)
    {
        text.AppendLine();
        text.AppendLine("## Ingest, recall, memory, revocation");
        text.AppendLine();
        text.AppendLine(C, $"| mode | ingest vectors/s | ingest MB/s | seal ms | recall@10 (ef {Ef}) | RSS MiB | locked MiB (VmLck) | locked by segments MiB | denied after KEK deletion |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var mode in Modes)
        {
            var revoked = mode.RevocationSeconds is { } s ? $"{s:F2} s" : "n/a";
            text.Append(C, $"| {mode.Mode} | {mode.Ingest.VectorsPerSecond:N0} | {mode.Ingest.MegabytesPerSecond:F1} | {mode.Ingest.SealMs:F0} | {mode.Grpc1.Recall:F4} ")
                .AppendLine(C, $"| {Mib(mode.Memory.RssBytes)} | {Mib(mode.Memory.VmLockedBytes)} | {Mib(mode.Memory.ServerLockedBytes)} | {revoked} |");
        }

        text.AppendLine();
        text.AppendLine("Recall against QPS (gRPC, one client):");
        text.AppendLine();
        text.AppendLine("| mode | " + string.Join(" | ", Modes[0].Sweep.Select(p => $"ef {p.Ef}")) + " |");
        text.AppendLine("|---|" + string.Concat(Modes[0].Sweep.Select(_ => "---|")));
        foreach (var mode in Modes)
        {
            text.Append(C, $"| {mode.Mode} | ").AppendLine(string.Join(" | ", mode.Sweep.Select(p => string.Create(C, $"{p.Recall:F4} @ {p.Qps:N0}/s"))) + " |");
        }
    }

    private void Goals(StringBuilder text)
    {
        if (Modes.All(m => m.Cold is null))
        {
            return;
        }

        text.AppendLine();
        text.AppendLine("## Goals");
        text.AppendLine();
        if (Baseline is { } none)
        {
            foreach (var mode in Modes.Where(m => m != none))
            {
                var worst = new[] { mode.Grpc1.P50Us / none.Grpc1.P50Us, mode.Grpc1.P99Us / none.Grpc1.P99Us, mode.GrpcN.P50Us / none.GrpcN.P50Us, mode.GrpcN.P99Us / none.GrpcN.P99Us }.Max();
                text.AppendLine(C, $"- {Mark(worst <= 1.05)} {mode.Mode}: warm gRPC latency within 5% of `none` at p50 and p99 (1 and {Clients} clients): worst ratio {worst:F3}.");
            }
        }

        foreach (var mode in Modes.Where(m => m.Cold is not null))
        {
            text.AppendLine(C, $"- {Mark(mode.Cold!.DecryptGigabytesPerSecond >= 1)} {mode.Mode}: cold load decrypts at >= 1 GB/s per core: {mode.Cold.DecryptGigabytesPerSecond:F2} GB/s.");
        }

        foreach (var mode in Modes.Where(m => m.KeyModel != "None" && m.Cold is not null))
        {
            text.AppendLine(C, $"- {Mark(mode.Cold!.HsmCallMs < 1)} {mode.Mode}: HSM unwrap well under 1 ms per segment: {mode.Cold.HsmCallMs:F3} ms in the HSM ({mode.Cold.UnwrapMs:F3} ms with the audit record).");
        }

        foreach (var mode in Modes.Where(m => m.InProcess1 is not null))
        {
            var ratio = mode.Grpc1.P50Us / mode.InProcess1!.P50Us;
            text.AppendLine(C, $"- {Mark(ratio <= 2)} {mode.Mode}: gRPC p50 within 2x of in process (one client): {mode.Grpc1.P50Us:F0} µs against {mode.InProcess1.P50Us:F0} µs, {ratio:F2}x.");
        }
    }

    private static IEnumerable<(string Path, LatencyResult Run)> Paths(ModeResult mode) =>
        new (string, LatencyResult?)[] { ("gRPC", mode.Grpc1), ("gRPC", mode.GrpcN), ("in process", mode.InProcess1), ("in process", mode.InProcessN) }
            .Where(p => p.Item2 is not null).Select(p => (p.Item1, p.Item2!));

    private static string R(double? value, double? baseline) => value is { } v && baseline is > 0 ? (v / baseline.Value).ToString("F3", C) : "n/a";

    private static string Mib(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("F0", C) : "n/a";

    private static string Mark(bool met) => met ? "met:" : "**not met**:";
}
