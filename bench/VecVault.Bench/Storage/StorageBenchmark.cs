using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Bench.Datasets;
using VecVault.Bench.Reports;
using VecVault.Core.Collections;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Points;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Pkcs11;
using VecVault.Engine;
using VecVault.Storage.Log;
using VecVault.TestSupport;

namespace VecVault.Bench.Storage;

/// <summary>
/// <c>vecvault-bench storage</c>: the storage engine in process, over a real SoftHSM2 token: ingest throughput at
/// durability commit and async (HNSW insert included, as a user sees it), seal time, and the cold load of a sealed
/// segment split into read, HSM unwrap, decrypt and attach, for 128- and 784-dimension vectors. Decryption speed is
/// reported against AES-256-GCM measured alone in the same run.
/// </summary>
internal static class StorageBenchmark
{
    private const int Writers = 4;
    private const int Batch = 500;
    private const int ColdLoads = 3;
    private static readonly TenantId Tenant = TenantId.Parse("bench");

    public static Command Command()
    {
        var quick = new Option<bool>("--quick") { Description = "10,000 x 128 and 5,000 x 784 instead of 100,000 x 128 and 60,000 x 784: a smoke run of well under a minute" };
        var output = new Option<string>("--out") { Description = "Results directory", DefaultValueFactory = _ => Path.Combine(Repository.Root, "bench", "results") };
        var command = new Command("storage", "Ingest throughput, seal time and cold segment loads (read, unwrap, decrypt, attach)") { quick, output };
        command.SetAction(parse => Run(parse.GetValue(quick), parse.GetValue(output)!));
        return command;
    }

    private static async Task<int> Run(bool quick, string output)
    {
        SoftHsm.EnsureInitialised();
        var token = SoftHsm.CreateToken();
        token.CreateAesKey("bench-kek");
        var hsm = new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => token.Pin }, NullLogger<Pkcs11KekService>.Instance);
        var kek = new KekReference(KeyModel.AesGcm, token.Label, "bench-kek");
        var machine = Machine.Describe(typeof(VaultEngine), typeof(FASTER.core.FasterLog), typeof(Net.Pkcs11Interop.HighLevelAPI.Pkcs11InteropFactories));
        var started = DateTimeOffset.Now;

        var aesGcm = AesGcmBaseline();
        Progress($"AES-256-GCM alone, 64 KiB records, one thread: {aesGcm:F2} GB/s");
        var rows = new List<StorageRow>();
        foreach (var (count, dimension) in quick ? new[] { (10_000, 128), (5_000, 784) } : [(100_000, 128), (60_000, 784)])
        {
            var dataset = Synthetic.Clustered(count, dimension, 64, 1, seed: 7);
            Progress($"{count} x {dimension}: ingest at durability commit");
            var commit = await IngestAsync(hsm, kek, dataset, Durability.Commit, seal: true);
            Progress($"{count} x {dimension}: ingest at durability async");
            var async = await IngestAsync(hsm, kek, dataset, Durability.Async, seal: false);
            var row = new StorageRow(count, dimension, commit.VectorsPerSecond, commit.MegabytesPerSecond, async.VectorsPerSecond, async.MegabytesPerSecond,
                commit.SealMilliseconds, commit.Cold!, commit.Cold!.DecryptGigabytesPerSecond / aesGcm);
            rows.Add(row);
            Progress($"{count} x {dimension}: {row.CommitVectorsPerSecond:F0} vectors/s at commit, {row.AsyncVectorsPerSecond:F0} at async; seal {row.SealMilliseconds:F0} ms; "
                + $"cold load {row.Cold.TotalMilliseconds:F1} ms (read {row.Cold.ReadMilliseconds:F1}, unwrap {row.Cold.UnwrapMilliseconds:F2}, decrypt {row.Cold.DecryptMilliseconds:F1}, attach {row.Cold.AttachMilliseconds:F1})");
        }

        var report = new StorageReport(started, quick ? "quick" : "full", machine, aesGcm, rows);
        Directory.CreateDirectory(output);
        var stem = Path.Combine(output, quick ? "storage-quick" : "storage");
        await File.WriteAllTextAsync($"{stem}.json", JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        await File.WriteAllTextAsync($"{stem}.md", report.ToMarkdown());
        Console.WriteLine(report.ToMarkdown());
        Progress($"wrote {stem}.json and {stem}.md");
        return 0;
    }

    /// <summary>Upserts the set from <see cref="Writers"/> concurrent writers into a fresh engine; then, when asked, seals it and loads it cold.</summary>
    private static async Task<Ingest> IngestAsync(Pkcs11KekService hsm, KekReference kek, Dataset dataset, Durability durability, bool seal)
    {
        var data = Path.Combine(Path.GetTempPath(), $"vecvault-bench-storage-{Guid.NewGuid():N}");
        using var audit = new AuditLog(data + "-audit.log", TimeProvider.System);
        try
        {
            var engine = Open(data, hsm, audit, durability);
            await engine.CreateTenantAsync(new TenantSpec(Tenant, kek, OutagePolicy.FailClosed, TimeSpan.Zero), default);
            await engine.CreateCollectionAsync(Tenant, "c", new CollectionConfig(dataset.Dimension, Metric.L2) { SegmentMaxPoints = 10_000_000 }, default);
            var next = -Batch;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
            {
                for (var first = Interlocked.Add(ref next, Batch); first < dataset.Base.Length; first = Interlocked.Add(ref next, Batch))
                {
                    var points = Enumerable.Range(first, Math.Min(Batch, dataset.Base.Length - first))
                        .Select(i => new Point(PointId.FromNumber((ulong)i), dataset.Base[i], null)).ToList();
                    await engine.UpsertAsync(Tenant, "c", points, default);
                }
            })));
            var seconds = clock.Elapsed.TotalSeconds;
            var bytes = (double)dataset.Base.Length * dataset.Dimension * sizeof(float);
            var ingest = new Ingest(dataset.Base.Length / seconds, bytes / seconds / 1e6, 0, null);
            if (!seal)
            {
                await engine.DisposeAsync();
                return ingest;
            }

            clock.Restart();
            await engine.SealAsync(Tenant, "c", default);
            var sealMilliseconds = clock.Elapsed.TotalMilliseconds;
            await engine.DisposeAsync();

            // Each cold load: a fresh engine over the same data, one query, which loads the sealed segment.
            var loads = new List<ColdLoad>();
            for (var i = 0; i < ColdLoads; i++)
            {
                await using var cold = Open(data, hsm, audit, durability);
                clock.Restart();
                cold.Search(Tenant, "c", new SearchQuery(dataset.Queries[0], 10, false, false));
                var total = clock.Elapsed.TotalMilliseconds;
                var stats = cold.SegmentStats;
                loads.Add(new ColdLoad(total, stats.ReadTime.TotalMilliseconds, stats.UnwrapTime.TotalMilliseconds, stats.DecryptTime.TotalMilliseconds,
                    stats.AttachTime.TotalMilliseconds, stats.PageBytes, stats.PageBytes / stats.DecryptTime.TotalSeconds / 1e9));
            }

            return ingest with { SealMilliseconds = sealMilliseconds, Cold = loads.OrderBy(l => l.TotalMilliseconds).ElementAt(ColdLoads / 2) };
        }
        finally
        {
            File.Delete(audit.Path);
            Directory.Delete(data, recursive: true);
        }
    }

    private static VaultEngine Open(string data, Pkcs11KekService hsm, AuditLog audit, Durability durability) =>
        VaultEngine.Open(
            new EngineOptions { DataDirectory = data, Log = new TenantLogOptions { Durability = durability }, KeyCheckInterval = TimeSpan.Zero, CompactionInterval = TimeSpan.Zero },
            hsm, audit, NullLogger<VaultEngine>.Instance, TimeProvider.System);

    /// <summary>GB/s of AES-256-GCM decryption of 64 KiB records on one thread, for one second.</summary>
    private static double AesGcmBaseline()
    {
        using var aes = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        var plaintext = RandomNumberGenerator.GetBytes(64 << 10);
        var ciphertext = new byte[plaintext.Length];
        var (nonce, tag) = (new byte[12], new byte[16]);
        aes.Encrypt(nonce, plaintext, ciphertext, tag);
        var bytes = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 1000)
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext);
            bytes += ciphertext.Length;
        }

        return bytes / clock.Elapsed.TotalSeconds / 1e9;
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTimeOffset.Now:HH:mm:ss}] {message}");

    private sealed record Ingest(double VectorsPerSecond, double MegabytesPerSecond, double SealMilliseconds, ColdLoad? Cold);
}

/// <summary>One cold load of a sealed segment (the median of three), by phase.</summary>
public sealed record ColdLoad(double TotalMilliseconds, double ReadMilliseconds, double UnwrapMilliseconds, double DecryptMilliseconds, double AttachMilliseconds, long PageBytes, double DecryptGigabytesPerSecond);

/// <summary>One vector shape: ingest, seal and cold load.</summary>
public sealed record StorageRow(int Count, int Dimension, double CommitVectorsPerSecond, double CommitMegabytesPerSecond, double AsyncVectorsPerSecond, double AsyncMegabytesPerSecond,
    double SealMilliseconds, ColdLoad Cold, double DecryptRatioToAesGcm);

/// <summary>Everything <c>vecvault-bench storage</c> measured in one run.</summary>
public sealed record StorageReport(DateTimeOffset Started, string Profile, Machine Machine, double AesGcmGigabytesPerSecond, IReadOnlyList<StorageRow> Rows)
{
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"# Storage engine, {Profile} profile, {Started:yyyy-MM-dd HH:mm}");
        text.AppendLine();
        text.AppendLine(c, $"Machine: {Machine.ToMarkdown()}");
        text.AppendLine();
        text.AppendLine(c, $"In process over a SoftHSM2 token (AES KEK); 4 concurrent writers, batches of 500, HNSW insert (M 16, ef_construction 200) included; one sealed segment per set. AES-256-GCM alone (64 KiB, one thread) in the same run: {AesGcmGigabytesPerSecond:F2} GB/s.");
        text.AppendLine();
        text.AppendLine("| vectors | ingest, commit (vectors/s, MB/s) | ingest, async (vectors/s, MB/s) | async / commit | seal | cold load | read | HSM unwrap | decrypt | attach | decrypt GB/s (ratio to AES-GCM alone) |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in Rows)
        {
            text.AppendLine(c, $"| {r.Count:N0} x {r.Dimension} | {r.CommitVectorsPerSecond:N0}, {r.CommitMegabytesPerSecond:F1} | {r.AsyncVectorsPerSecond:N0}, {r.AsyncMegabytesPerSecond:F1} | {r.AsyncVectorsPerSecond / r.CommitVectorsPerSecond:F2} "
                + $"| {r.SealMilliseconds:F0} ms | {r.Cold.TotalMilliseconds:F1} ms | {r.Cold.ReadMilliseconds:F1} ms | {r.Cold.UnwrapMilliseconds:F2} ms | {r.Cold.DecryptMilliseconds:F1} ms | {r.Cold.AttachMilliseconds:F1} ms "
                + $"| {r.Cold.DecryptGigabytesPerSecond:F2} ({r.DecryptRatioToAesGcm:F2}) |");
        }

        return text.ToString();
    }
}
