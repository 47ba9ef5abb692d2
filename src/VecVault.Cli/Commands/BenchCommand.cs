using System.CommandLine;
using System.Diagnostics;

namespace VecVault.Cli.Commands;

/// <summary>
/// <c>vecvault bench ...</c>: runs the benchmark tool (<c>bench/VecVault.Bench</c>, <c>vecvault-bench</c>) with the
/// arguments given, from the source checkout this CLI was built in: the build of the same configuration when there is
/// one, otherwise <c>scripts/bench</c>, which installs what the benchmarks need and builds it.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var arguments = new Argument<string[]>("arguments") { Description = "The benchmark and its options, e.g. byok --quick (after --, options such as --help go to the tool too)", Arity = ArgumentArity.ZeroOrMore };
        var bench = new Command("bench", "Run VecVault's benchmarks (vecvault-bench): byok, index, storage, micro; from a source checkout") { arguments };
        bench.TreatUnmatchedTokensAsErrors = false;
        bench.SetAction(async (parse, cancellationToken) =>
        {
            string[] forwarded = [.. parse.GetValue(arguments) ?? [], .. parse.UnmatchedTokens];
            if (FindCheckout() is not { } root)
            {
                Console.Error.WriteLine("error: vecvault bench runs from a source checkout of VecVault (there: ./scripts/bench byok)");
                return 2;
            }

            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            var built = Path.Combine(root, "bench", "VecVault.Bench", "bin", configuration, "net10.0", "vecvault-bench.dll");
            var start = File.Exists(built) ? new ProcessStartInfo("dotnet") { ArgumentList = { built } } : new ProcessStartInfo(Path.Combine(root, "scripts", "bench"));
            foreach (var argument in forwarded)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the benchmark tool");
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode;
        });
        return bench;
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
