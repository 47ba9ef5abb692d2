using System.CommandLine;
using VecVault.Protocol.V1;

namespace VecVault.Cli.Commands;

/// <summary><c>vecvault tenant create|list</c>.</summary>
internal static class TenantCommands
{
    public static Command Create()
    {
        var id = new Option<string>("--id") { Description = "Tenant id", Required = true };
        var token = new Option<string>("--token-label") { Description = "Label of the HSM token holding the KEK", Required = true };
        var key = new Option<string>("--key-label") { Description = "Label of the AES-256 KEK in the token", Required = true };
        var create = new Command("create", "Create a tenant bound to its KEK in the HSM") { id, token, key };
        create.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.CreateTenantAsync(new CreateTenantRequest
            {
                Id = parse.GetValue(id),
                Kek = new KekReference { Model = KeyModel.AesGcm, TokenLabel = parse.GetValue(token), KeyLabel = parse.GetValue(key) },
            }, cancellationToken: cancellationToken);
            Console.WriteLine($"created tenant {response.Tenant.Id} bound to {response.Tenant.Kek.TokenLabel}/{response.Tenant.Kek.KeyLabel}");
        }));

        var list = new Command("list", "List tenants");
        list.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.ListTenantsAsync(new ListTenantsRequest(), cancellationToken: cancellationToken);
            foreach (var tenant in response.Tenants)
            {
                Console.WriteLine($"{tenant.Id}\t{tenant.State}\t{tenant.Kek.Model}\t{tenant.Kek.TokenLabel}/{tenant.Kek.KeyLabel}\tcollections={tenant.CollectionCount}");
            }
        }));

        return new Command("tenant", "Tenants (admin key)") { create, list };
    }
}
