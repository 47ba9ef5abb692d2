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
        var key = new Option<string>("--key-label") { Description = "Label of the KEK in the token (the private key for rsa)", Required = true };
        var model = new Option<string>("--model") { Description = "aes (AES-256 KEK, HSM AES-GCM) or rsa (RSA key pair, local wrap, HSM unwrap)", DefaultValueFactory = _ => "aes" };
        model.AcceptOnlyFromAmong("aes", "rsa");
        var oaep = new Option<string>("--oaep-hash") { Description = "RSA-OAEP hash for --model rsa: sha256 (default) or sha1 (SoftHSM2)", DefaultValueFactory = _ => "" };
        var policy = new Option<string>("--outage-policy") { Description = "serve-warm (default) or fail-closed", DefaultValueFactory = _ => "serve-warm" };
        policy.AcceptOnlyFromAmong("serve-warm", "fail-closed");
        var create = new Command("create", "Create a tenant bound to its KEK in the HSM") { id, token, key, model, oaep, policy };
        create.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.CreateTenantAsync(new CreateTenantRequest
            {
                Id = parse.GetValue(id),
                Kek = new KekReference
                {
                    Model = parse.GetValue(model) == "rsa" ? KeyModel.RsaOaep : KeyModel.AesGcm,
                    TokenLabel = parse.GetValue(token),
                    KeyLabel = parse.GetValue(key),
                    OaepHash = parse.GetValue(oaep) ?? "",
                },
                OutagePolicy = parse.GetValue(policy) == "fail-closed" ? OutagePolicy.FailClosed : OutagePolicy.ServeWarm,
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
