using System.CommandLine;
using System.Diagnostics;

namespace VecVault.Cli.Commands;

/// <summary>
/// <c>vecvault bench ...</c>: runs the benchmark tool (<c>bench/VecVault.Bench</c>, <c>vecvault-bench</c>) with the
/// arguments given, from the source checkout this CLI was built in: the build of the same configuration when there is
/// one, otherwise <c>scripts/bench</c>, which installs what the benchmarks need and builds it. Every argument after
/// <c>bench</c> goes to the tool as given, options this CLI also has (<c>--address</c>, <c>--help</c>) among them.
/// </summary>
internal static class BenchCommand
{
    /// <summary>The command, listed in the CLI's help; Program.cs hands <c>vecvault bench ...</c> to <see cref="RunAsync"/> before parsing, so that nothing is taken for the CLI's own options.</summary>
    public static Command Create()
    {
        var arguments = new Argument<string[]>("arguments") { Description = "The benchmark and its options, e.g. byok --quick; every argument goes to vecvault-bench", Arity = ArgumentArity.ZeroOrMore };
        var bench = new Command("bench", "Run VecVault's benchmarks (vecvault-bench): byok, index, storage, micro; from a source checkout") { arguments };
        bench.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(arguments) ?? [], cancellationToken));
        return bench;
    }

    /// <summary>Runs the benchmark tool with <paramref name="arguments"/>; returns its exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        if (FindCheckout() is not { } root)
        {
            await Console.Error.WriteLineAsync("error: vecvault bench runs from a source checkout of VecVault (there: ./scripts/bench byok)");
            return 2;
        }

        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var built = Path.Combine(root, "bench", "VecVault.Bench", "bin", configuration, "net10.0", "vecvault-bench.dll");
        var start = File.Exists(built) ? new ProcessStartInfo("dotnet") { ArgumentList = { built } } : new ProcessStartInfo(Path.Combine(root, "scripts", "bench"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the benchmark tool");
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }

    /// <summary>The directory holding VecVault.sln above this program, if any.</summary>
    private static string? FindCheckout()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VecVault.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
