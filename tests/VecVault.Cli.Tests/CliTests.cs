using System.Diagnostics;

namespace VecVault.Cli.Tests;

/// <summary>The vecvault command as a user runs it.</summary>
public sealed class CliTests
{
    [Fact]
    public void Without_an_api_key_a_command_explains_and_exits_non_zero()
    {
        var (exit, _, error) = Run(["collection", "list", "--api-key", ""]);
        Assert.Equal(2, exit);
        Assert.Contains("VECVAULT_API_KEY", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_server_is_a_clear_error_not_a_crash()
    {
        var (exit, _, error) = Run(["collection", "list", "--api-key", "vv1.a.b", "--address", "http://127.0.0.1:9"]);
        Assert.Equal(1, exit);
        Assert.StartsWith("error: Unavailable", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var (exit, output, _) = Run(["--help"]);
        Assert.Equal(0, exit);
        foreach (var command in new[] { "tenant", "apikey", "collection", "upsert", "search", "import", "stats", "audit", "--json", "--ca-cert" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Tenant_help_lists_its_admin_commands()
    {
        var (exit, output, _) = Run(["tenant", "--help"]);
        Assert.Equal(0, exit);
        foreach (var command in new[] { "create", "list", "rotate-key", "rotate-data-keys", "seal", "compact", "shred" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }
    }

    private static (int Exit, string Output, string Error) Run(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vecvault.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("VECVAULT_API_KEY");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000));
        return (process.ExitCode, output.Result, error.Result);
    }
}
