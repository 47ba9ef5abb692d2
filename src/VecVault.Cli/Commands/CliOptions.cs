using System.CommandLine;
using Grpc.Core;
using VecVault.Client;

namespace VecVault.Cli.Commands;

/// <summary>Options every command shares, and how commands run.</summary>
internal static class CliOptions
{
    public static readonly Option<string> Address = new("--address")
    {
        Description = "Server address (env VECVAULT_ADDRESS)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VECVAULT_ADDRESS") ?? "http://127.0.0.1:50051",
    };

    // No default value: help output prints defaults, and this one would be a secret.
    public static readonly Option<string> ApiKey = new("--api-key")
    {
        Description = "API key: an admin key for tenant, apikey and audit commands, a tenant key otherwise (default: env VECVAULT_API_KEY)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print results as JSON (for scripts) instead of text",
        Recursive = true,
    };

    public static readonly Option<string> CaCertificate = new("--ca-cert")
    {
        Description = "TLS: PEM file of the CA the server's certificate must chain to (https:// addresses; env VECVAULT_CA_CERT)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VECVAULT_CA_CERT") ?? "",
    };

    public static readonly Option<string> ClientCertificate = new("--client-cert")
    {
        Description = "Mutual TLS: PEM file of the client certificate (env VECVAULT_CLIENT_CERT)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VECVAULT_CLIENT_CERT") ?? "",
    };

    public static readonly Option<string> ClientKey = new("--client-key")
    {
        Description = "Mutual TLS: PEM file of the client certificate's private key (env VECVAULT_CLIENT_KEY)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VECVAULT_CLIENT_KEY") ?? "",
    };

    /// <summary>Prints <paramref name="response"/> as JSON with <c>--json</c>, else <paramref name="text"/>.</summary>
    public static void Print(ParseResult parse, Google.Protobuf.IMessage response, Func<string> text)
    {
        if (!TryPrintJson(parse, response))
        {
            Console.WriteLine(text());
        }
    }

    /// <summary>With <c>--json</c>, prints <paramref name="response"/> as JSON and returns true; otherwise returns false (the caller prints text).</summary>
    public static bool TryPrintJson(ParseResult parse, Google.Protobuf.IMessage response)
    {
        if (!parse.GetValue(Json))
        {
            return false;
        }

        Console.WriteLine(Google.Protobuf.JsonFormatter.Default.Format(response));
        return true;
    }

    /// <summary>Runs <paramref name="body"/> with a connected client; prints gRPC errors plainly and returns exit code 1.</summary>
    public static Task<int> RunAsync(ParseResult parse, Func<VecVaultClient, Task> body) =>
        RunAsync(parse, async client =>
        {
            await body(client);
            return 0;
        });

    /// <summary>Runs <paramref name="body"/> with a connected client and returns its exit code; gRPC errors exit with 1.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<VecVaultClient, Task<int>> body)
    {
        var apiKey = parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("VECVAULT_API_KEY");
        if (string.IsNullOrEmpty(apiKey))
        {
            await Console.Error.WriteLineAsync("error: no API key: pass --api-key or set VECVAULT_API_KEY");
            return 2;
        }

        try
        {
            using var client = new VecVaultClient(parse.GetValue(Address)!, apiKey, new VecVaultClientOptions
            {
                CaCertificateFile = parse.GetValue(CaCertificate) ?? "",
                ClientCertificateFile = parse.GetValue(ClientCertificate) ?? "",
                ClientKeyFile = parse.GetValue(ClientKey) ?? "",
            });
            return await body(client);
        }
        catch (RpcException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.StatusCode}: {e.Status.Detail}");
            return 1;
        }
    }
}
