using System.Diagnostics;
using System.Text.Json;

namespace VecVault.IntegrationTests;

/// <summary>
/// The benchmarker's tool, as a benchmarker starts it (<c>vecvault bench byok --quick</c>) on a tiny synthetic set:
/// it completes under every key mode and writes a well-formed report, JSON, markdown and plots. Figures are checked
/// for shape (counts, ordering of percentiles, presence), never for speed. The tool starts four servers of its own
/// and drives them hard, so these tests run on their own, after the parallel ones.
/// </summary>
[Collection(nameof(BenchSmokeTests))]
public sealed class BenchSmokeTests : IDisposable
{
    private const int Queries = 60;
    private const int Clients = 2;
    private const int QuickRounds = 2;
    private static readonly string[] Modes = ["none", "pkcs11-aes", "pkcs11-rsa", "pkcs11-remote"];
    private readonly string _output = Directory.CreateTempSubdirectory("vecvault-bench-smoke-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task The_quick_byok_profile_completes_under_every_key_mode_and_writes_a_well_formed_report()
    {
        var stdout = await BenchAsync([]);

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "byok-quick.json")));
        var root = report.RootElement;
        Assert.Equal("quick", root.GetProperty("profile").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("machine").GetProperty("cpu").GetString()));
        Assert.True(root.GetProperty("machine").GetProperty("packages").EnumerateObject().Any());
        Assert.Equal(2000, root.GetProperty("base").GetInt32());
        var modes = root.GetProperty("modes").EnumerateArray().ToList();
        Assert.Equal(Modes, modes.Select(m => m.GetProperty("mode").GetString()));
        foreach (var mode in modes)
        {
            var name = mode.GetProperty("mode").GetString();
            Assert.True(mode.GetProperty("ingest").GetProperty("vectors_per_second").GetDouble() > 0, name);
            var cold = mode.GetProperty("cold_start");
            Assert.True(cold.GetProperty("segments").GetInt32() >= 1, name);
            Assert.True(cold.GetProperty("segment_page_bytes").GetInt64() > 0, name);
            Assert.True(cold.GetProperty("segment_decrypt_ms").GetDouble() > 0, name);
            Assert.Equal(name != "none", cold.GetProperty("segment_hsm_unwrap_call_ms").GetDouble() > 0);
            AssertLatency(mode.GetProperty("in_process_1"), 1, QuickRounds * Queries);
            AssertLatency(mode.GetProperty("in_process_n"), Clients, QuickRounds * Queries * Clients);
            AssertLatency(mode.GetProperty("grpc_1"), 1, QuickRounds * Queries);
            AssertLatency(mode.GetProperty("grpc_n"), Clients, QuickRounds * Queries * Clients);
            Assert.Equal([16, 64], mode.GetProperty("ef_sweep").EnumerateArray().Select(p => p.GetProperty("ef").GetInt32()));
            Assert.True(mode.GetProperty("memory").GetProperty("rss_bytes").GetInt64() > 0, name);
            Assert.True(mode.GetProperty("memory").GetProperty("server_locked_bytes").GetInt64() > 0, name);
            // Every mode with a KEK in an HSM saw its tenant denied after the KEK was deleted.
            Assert.Equal(name != "none", mode.GetProperty("revocation_seconds").ValueKind == JsonValueKind.Number);
        }

        var markdown = File.ReadAllText(Path.Combine(_output, "byok-quick.md"));
        foreach (var heading in new[] { "## Warm search latency", "## BYOK overhead", "## Cold start", "## Ingest, recall, memory, revocation", "## Goals" })
        {
            Assert.Contains(heading, markdown, StringComparison.Ordinal);
        }

        Assert.All(Modes, mode => Assert.Contains($"| {mode} |", markdown, StringComparison.Ordinal));
        Assert.Contains("## Goals", stdout, StringComparison.Ordinal);
        foreach (var plot in new[] { "byok-quick-latency-grpc.png", "byok-quick-latency-in-process.png", "byok-quick-recall-qps.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(_output, plot));
            Assert.True(bytes.Length > 10_000, $"{plot}: {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    [Fact]
    public async Task Against_a_server_it_did_not_start_it_measures_over_grpc_and_shreds_its_tenant_after()
    {
        await using var server = new VaultServer();
        await server.StartAsync();

        await BenchAsync(["--address", server.Address, "--kek", $"aes:{server.Token.Label}/{VaultServer.KekLabel}"], server.AdminKey);

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "byok-quick.json")));
        var mode = Assert.Single(report.RootElement.GetProperty("modes").EnumerateArray());
        Assert.Equal("AesGcm", mode.GetProperty("key_model").GetString());
        AssertLatency(mode.GetProperty("grpc_1"), 1, QuickRounds * Queries);
        AssertLatency(mode.GetProperty("grpc_n"), Clients, QuickRounds * Queries * Clients);
        foreach (var absent in new[] { "cold_start", "in_process_1", "in_process_n", "revocation_seconds" })
        {
            Assert.Equal(JsonValueKind.Null, mode.GetProperty(absent).ValueKind);
        }

        Assert.True(mode.GetProperty("memory").GetProperty("server_locked_bytes").GetInt64() > 0);
        using var admin = server.Connect(server.AdminKey);
        Assert.Empty((await admin.Admin.ListTenantsAsync(new Protocol.V1.ListTenantsRequest())).Tenants);
        Assert.False(File.Exists(Path.Combine(_output, "byok-quick-latency-in-process.png")));
    }

    /// <summary>Runs <c>vecvault bench byok --quick</c> on the tiny set with <paramref name="arguments"/> more; returns its standard output.</summary>
    private async Task<string> BenchAsync(string[] arguments, string? adminKey = null)
    {
        var start = new ProcessStartInfo("/usr/bin/dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Repository.Cli, "bench", "byok", "--quick", "--dataset", "synthetic:2000x16", "--queries", $"{Queries}", "--clients", $"{Clients}", "--out", _output }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        if (adminKey is not null)
        {
            start.Environment["VECVAULT_ADMIN_KEY"] = adminKey;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
        {
            await process.WaitForExitAsync(timeout.Token);
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static void AssertLatency(JsonElement run, int clients, int queries)
    {
        Assert.Equal(clients, run.GetProperty("clients").GetInt32());
        Assert.Equal(queries, run.GetProperty("queries").GetInt64());
        Assert.True(run.GetProperty("qps").GetDouble() > 0);
        var recall = run.GetProperty("recall").GetDouble();
        Assert.InRange(recall, 0.5, 1.0);
        var percentiles = new[] { "p50_us", "p90_us", "p99_us", "p999_us", "max_us" }.Select(p => run.GetProperty(p).GetDouble()).ToList();
        Assert.True(percentiles[0] > 0);
        Assert.Equal(percentiles.Order(), percentiles);
        Assert.NotEmpty(run.GetProperty("curve").EnumerateArray());
    }
}

/// <summary>The collection of <see cref="BenchSmokeTests"/>: not run in parallel with any other test.</summary>
[CollectionDefinition(nameof(BenchSmokeTests), DisableParallelization = true)]
public sealed class BenchSmokeCollection;
