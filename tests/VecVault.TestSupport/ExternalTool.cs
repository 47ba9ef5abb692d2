using System.Diagnostics;

namespace VecVault.TestSupport;

/// <summary>Runs the real command-line tools a customer's admin would use (softhsm2-util, pkcs11-tool).</summary>
public static class ExternalTool
{
    /// <summary>Runs <paramref name="file"/> and returns its standard output; throws with its output on a non-zero exit.</summary>
    public static string Run(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"{file} is missing: ./scripts/test installs it (softhsm2, opensc, p11-kit)");
        }

        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }

        return stdout.Result;
    }
}
