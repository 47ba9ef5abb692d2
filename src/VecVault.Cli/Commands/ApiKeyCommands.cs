using System.CommandLine;
using VecVault.Protocol.V1;

namespace VecVault.Cli.Commands;

/// <summary><c>vecvault apikey create|revoke</c>.</summary>
internal static class ApiKeyCommands
{
    public static Command Create()
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant the key is bound to; omit for an admin key" };
        var create = new Command("create", "Create an API key and print it (shown once)") { tenant };
        create.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var tenantId = parse.GetValue(tenant) ?? "";
            var response = await client.Admin.CreateApiKeyAsync(new CreateApiKeyRequest
            {
                Role = tenantId.Length == 0 ? ApiKeyRole.Admin : ApiKeyRole.Tenant,
                TenantId = tenantId,
            }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => response.ApiKey);
        }));

        var keyId = new Option<string>("--key-id") { Description = "Id of the key (the middle part of vv1.<id>.<secret>)", Required = true };
        var revoke = new Command("revoke", "Revoke an API key") { keyId };
        revoke.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = parse.GetValue(keyId) }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => "revoked");
        }));

        return new Command("apikey", "API keys (admin key)") { create, revoke };
    }
}
