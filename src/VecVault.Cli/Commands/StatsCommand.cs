using System.CommandLine;
using Spectre.Console;
using VecVault.Protocol.V1;

namespace VecVault.Cli.Commands;

/// <summary><c>vecvault stats</c>: the server's statistics (admin key).</summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var stats = new Command("stats", "Show server statistics: tenants, HSM calls, segments, locked memory (admin key)");
        stats.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = (await client.Admin.GetServerStatsAsync(new GetServerStatsRequest(), cancellationToken: cancellationToken)).Stats;
            if (CliOptions.TryPrintJson(parse, response))
            {
                return;
            }

            var server = new Table().AddColumn("server").AddColumn("value");
            server.AddRow("version", response.Version);
            server.AddRow("uptime", response.Uptime.ToTimeSpan().ToString(@"d\.hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture));
            server.AddRow("durability", response.Durability);
            server.AddRow("simd", response.Simd);
            server.AddRow("locked memory", $"{response.LockedBytes:N0} bytes (segments' budget {response.LockedBudgetBytes:N0})");
            server.AddRow("HSM wraps / unwraps", $"{response.HsmWraps:N0} / {response.HsmUnwraps:N0}");
            server.AddRow("segments loaded / loads / evictions", $"{response.LoadedSegments:N0} / {response.SegmentLoads:N0} / {response.SegmentEvictions:N0}");
            server.AddRow("quarantined segments", response.Quarantined.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            AnsiConsole.Write(server);
            var tenants = new Table().AddColumn("tenant").AddColumn("state").AddColumn("collections").AddColumn("points");
            foreach (var tenant in response.Tenants)
            {
                tenants.AddRow(Markup.Escape(tenant.TenantId), tenant.State.ToString(), tenant.Collections.ToString(System.Globalization.CultureInfo.InvariantCulture), tenant.Points.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(tenants);
        }));
        return stats;
    }
}
