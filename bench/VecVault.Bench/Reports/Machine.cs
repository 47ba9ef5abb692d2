using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
        packageTypes.Select(t => t.Assembly).Distinct().ToDictionary(
            a => a.GetName().Name!,
            a => (a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version?.ToString() ?? "?").Split('+')[0]));

    /// <summary>One markdown line.</summary>
    public string ToMarkdown() => $"{Cpu}, {Cores} cores; {Simd}; {Dotnet}; {Os}; {string.Join(", ", Packages.Select(p => $"{p.Key} {p.Value}"))}";
}
