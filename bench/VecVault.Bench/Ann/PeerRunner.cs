using System.Diagnostics;
using System.Text.Json;
using VecVault.Bench.Datasets;

namespace VecVault.Bench.Ann;

/// <summary>
/// The peers, run on the same data and machine in the same run (bench/peers/): hnswlib and FAISS HNSW from Debian's
/// Python packages (generic builds), and hnswlib's C++ headers compiled here with -march=native.
/// </summary>
internal static class PeerRunner
{
    /// <summary>Peers this runner knows.</summary>
    public static readonly string[] All = ["hnswlib-debian", "faiss-hnsw-debian", "hnswlib-native"];

    public static List<AnnResult> Run(IReadOnlyCollection<string> peers, Dataset dataset, int[][] truth, string work, int m, int efConstruction, IReadOnlyList<int> efs, int k, Action<string> progress)
    {
        var data = Path.Combine(work, $"{dataset.Name}-q{dataset.Queries.Length}");
        Directory.CreateDirectory(data);
        Write(Path.Combine(data, "base.fvecs"), () => Texmex.WriteFvecs(Path.Combine(data, "base.fvecs"), dataset.Base));
        Write(Path.Combine(data, "queries.fvecs"), () => Texmex.WriteFvecs(Path.Combine(data, "queries.fvecs"), dataset.Queries));
        Texmex.WriteIvecs(Path.Combine(data, "groundtruth.ivecs"), truth);
        var common = $"--data {data} --m {m} --efc {efConstruction} --ef {string.Join(',', efs)} --k {k}";
        var results = new List<AnnResult>();
        var peersDirectory = Path.Combine(Repository.Root, "bench", "peers");
        var python = peers.Where(p => p is "hnswlib-debian" or "faiss-hnsw-debian").ToList();
        if (python.Count > 0)
        {
            var output = Path.Combine(data, "python");
            Directory.CreateDirectory(output);
            progress($"{string.Join(" and ", python)} (Debian's Python builds): building and sweeping");

            // Only the peers asked for: FAISS's build of the 1M set alone takes over ten minutes.
            Exec("/usr/bin/python3", $"{Path.Combine(peersDirectory, "ann_peers.py")} {common} --peers {string.Join(',', python)} --out {output}");
            results.AddRange(python.Select(p => Read(Path.Combine(output, $"{p}.json"))));
        }

        if (peers.Contains("hnswlib-native"))
        {
            progress("hnswlib native (-O3 -march=native): compiling, building and sweeping");
            var binary = Exec("/bin/bash", Path.Combine(peersDirectory, "build-native.sh")).Trim().Split('\n')[^1].Trim();
            var json = Path.Combine(data, "hnswlib-native.json");
            Exec(binary, $"{common} --out {json}");
            results.Add(Read(json));
        }

        return results;
    }

    private static void Write(string path, Action write)
    {
        if (!File.Exists(path))
        {
            write();
        }
    }

    private static AnnResult Read(string path) =>
        JsonSerializer.Deserialize<AnnResult>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} holds no result");

    /// <summary>Runs a program, returns its standard output; throws with its standard error when it fails.</summary>
    private static string Exec(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return process.ExitCode == 0 ? output.Result
            : throw new InvalidOperationException($"{Path.GetFileName(file)} {arguments} failed ({process.ExitCode}): {error.Result}");
    }
}
