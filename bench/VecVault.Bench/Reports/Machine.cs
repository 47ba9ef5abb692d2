using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VecVault.Bench.Reports;

/// <summary>The machine a run measured: every report carries it.</summary>
/// <param name="Cpu">CPU model.</param>
/// <param name="Cores">Logical cores.</param>
/// <param name="Simd">Vector widths the runtime accelerates, and the kernel VecVault chose.</param>
/// <param name="Dotnet">.NET runtime.</param>
/// <param name="Os">Operating system.</param>
/// <param name="Packages">Versions of the packages that matter to the figures.</param>
public sealed record Machine(
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("cores")] int Cores,
    [property: JsonPropertyName("simd")] string Simd,
    [property: JsonPropertyName("dotnet")] string Dotnet,
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("packages")] IReadOnlyDictionary<string, string> Packages)
{
    /// <summary>This machine, now.</summary>
    public static Machine Describe(params Type[] packageTypes) => new(
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown",
        Environment.ProcessorCount,
        $"Vector512 {(Vector512.IsHardwareAccelerated ? "yes" : "no")}, Vector256 {(Vector256.IsHardwareAccelerated ? "yes" : "no")}; kernel {Index.Distance.DistanceKernels.Implementation}",
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        packageTypes.Select(t => t.Assembly).Distinct().Select(Package).ToDictionary(p => p.Name, p => p.Version));

    /// <summary>
    /// The NuGet package an assembly came from and its version, as the program's .deps.json records it (an assembly's
    /// own version can differ: FASTER 2.6.5 ships FASTER.core 1.0.0); the assembly's version for the repository's own.
    /// </summary>
    private static (string Name, string Version) Package(Assembly assembly)
    {
        var file = Path.GetFileName(assembly.Location);
        var deps = Path.Combine(AppContext.BaseDirectory, $"{Assembly.GetEntryAssembly()?.GetName().Name}.deps.json");
        if (File.Exists(deps))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(deps));
            foreach (var target in json.RootElement.GetProperty("targets").EnumerateObject().SelectMany(t => t.Value.EnumerateObject()))
            {
                if (target.Value.TryGetProperty("runtime", out var runtime) && runtime.EnumerateObject().Any(r => Path.GetFileName(r.Name) == file) && target.Name.Split('/') is [var name, var version])
                {
                    return (name, version);
                }
            }
        }

        return (assembly.GetName().Name!, (assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "?").Split('+')[0]);
    }

    /// <summary>One markdown line.</summary>
    public string ToMarkdown() => $"{Cpu}, {Cores} cores; {Simd}; {Dotnet}; {Os}; {string.Join(", ", Packages.Select(p => $"{p.Key} {p.Value}"))}";
}
