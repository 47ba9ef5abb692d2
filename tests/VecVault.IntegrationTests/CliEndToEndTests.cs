using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VecVault.IntegrationTests;

/// <summary>The vecvault CLI as a user runs it against a real server: tenant, key, collection, import of fvecs, .npy and JSON lines, search, stats, shred, audit.</summary>
public sealed class CliEndToEndTests : IAsyncLifetime
{
    private const int Dimension = 16;
    private readonly VaultServer _server = new();
    private readonly string _files = Directory.CreateTempSubdirectory("vecvault-cli-").FullName;

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_files, recursive: true);
    }

    [Fact]
    public void Create_import_search_shred_and_verify_the_audit_log()
    {
        var admin = _server.AdminKey;
        Run(admin, "tenant", "create", "--id", "acme", "--token-label", _server.Token.Label, "--key-label", VaultServer.KekLabel);
        var tenantKey = Run(admin, "apikey", "create", "--tenant", "acme").Trim();
        Assert.StartsWith("vv1.", tenantKey, StringComparison.Ordinal);
        Run(tenantKey, "collection", "create", "--name", "docs", "--dim", $"{Dimension}", "--metric", "l2");

        var vectors = Enumerable.Range(0, 500).Select(i => Enumerable.Range(0, Dimension).Select(d => MathF.Sin((i * 31) + d)).ToArray()).ToArray();
        var fvecs = Path.Combine(_files, "docs.fvecs");
        using (var writer = new BinaryWriter(File.Create(fvecs)))
        {
            foreach (var vector in vectors.Take(300))
            {
                writer.Write(Dimension);
                foreach (var value in vector)
                {
                    writer.Write(value);
                }
            }
        }

        var npy = Path.Combine(_files, "more.npy");
        WriteNpy(npy, vectors[300..400]);
        var jsonl = Path.Combine(_files, "rest.jsonl");
        File.WriteAllLines(jsonl, Enumerable.Range(400, 100).Select(i => JsonSerializer.Serialize(new { id = i, vector = vectors[i], payload = new { n = i, tag = "json" } })));

        Assert.Equal(300, Json(Run(tenantKey, "import", "--collection", "docs", "--file", fvecs, "--json")).GetProperty("imported").GetInt32());
        Assert.Equal(100, Json(Run(tenantKey, "import", "--collection", "docs", "--file", npy, "--first-id", "300", "--json")).GetProperty("imported").GetInt32());
        Assert.Equal(100, Json(Run(tenantKey, "import", "--collection", "docs", "--file", jsonl, "--json")).GetProperty("imported").GetInt32());
        Assert.Contains("points=500", Run(tenantKey, "collection", "list"), StringComparison.Ordinal);
        Assert.Equal("500", Json(Run(tenantKey, "collection", "list", "--json")).GetProperty("collections")[0].GetProperty("pointCount").GetString());
        Assert.Equal("acme", Json(Run(admin, "tenant", "list", "--json")).GetProperty("tenants")[0].GetProperty("id").GetString());

        foreach (var id in new[] { 7, 345, 499 })
        {
            var query = string.Join(',', vectors[id].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            var results = Json(Run(tenantKey, "search", "--collection", "docs", "--vector", query, "--k", "3", "--json")).GetProperty("results");
            Assert.Equal(3, results.GetArrayLength());
            Assert.Equal($"{id}", results[0].GetProperty("id").GetProperty("num").GetString());
        }

        var stats = Json(Run(admin, "stats", "--json"));
        Assert.Equal("500", stats.GetProperty("tenants")[0].GetProperty("points").GetString());
        Assert.Contains("acme", Run(admin, "stats"), StringComparison.Ordinal);

        // A bad file is a clear error and a non-zero exit.
        var broken = Path.Combine(_files, "broken.fvecs");
        File.WriteAllBytes(broken, [1, 2, 3]);
        var (exit, _, error) = Start(tenantKey, "import", "--collection", "docs", "--file", broken);
        Assert.Equal(2, exit);
        Assert.Contains("not an fvecs file", error, StringComparison.Ordinal);

        Run(admin, "tenant", "shred", "--id", "acme", "--confirm", "acme");
        Assert.Contains("audit log intact", Run(admin, "audit", "verify"), StringComparison.Ordinal);
        Assert.True(Json(Run(admin, "audit", "verify", "--json")).GetProperty("valid").GetBoolean());
        Assert.Contains("acme", Run(admin, "audit", "tail", "--tenant", "acme"), StringComparison.Ordinal);
        Assert.NotEqual(0, Start(tenantKey, "collection", "list").Exit);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private string Run(string apiKey, params string[] arguments)
    {
        var (exit, output, error) = Start(apiKey, arguments);
        Assert.True(exit == 0, $"vecvault {string.Join(' ', arguments)} exited {exit}: {error}");
        return output;
    }

    private (int Exit, string Output, string Error) Start(string apiKey, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repository.Cli);
        foreach (var argument in arguments.Concat(["--address", _server.Address]))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["VECVAULT_API_KEY"] = apiKey;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), $"vecvault {string.Join(' ', arguments)} did not finish");
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>A 2-D float32 array in NumPy's .npy format 1.0.</summary>
    private static void WriteNpy(string path, float[][] rows)
    {
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Length}, {rows[0].Length}), }}";
        header = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write([0x93, .. "NUMPY"u8, 1, 0]);
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.Latin1.GetBytes(header));
        foreach (var value in rows.SelectMany(r => r))
        {
            writer.Write(value);
        }
    }
}
