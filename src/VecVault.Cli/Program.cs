using System.CommandLine;
using VecVault.Cli.Commands;

if (args is ["bench", .. var benchmark])
{
    return await BenchCommand.RunAsync(benchmark);
}

var root = new RootCommand("vecvault: the VecVault command-line tool for admins and users")
{
    CliOptions.Address,
    CliOptions.ApiKey,
    CliOptions.CaCertificate,
    CliOptions.ClientCertificate,
    CliOptions.ClientKey,
    CliOptions.Json,
    TenantCommands.Create(),
    ApiKeyCommands.Create(),
    CollectionCommands.Create(),
    PointCommands.Upsert(),
    PointCommands.Search(),
    ImportCommand.Create(),
    StatsCommand.Create(),
    HsmCommands.Create(),
    AuditCommands.Create(),
    BenchCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
