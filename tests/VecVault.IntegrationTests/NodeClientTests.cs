using VecVault.TestSupport;

namespace VecVault.IntegrationTests;

/// <summary>A non-.NET client: tests/node/client.mjs (@grpc/grpc-js and @grpc/proto-loader, from the .proto files alone) against a real server.</summary>
public sealed class NodeClientTests : IAsyncLifetime
{
    private readonly VaultServer _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task The_node_client_creates_upserts_searches_and_deletes()
    {
        var script = Path.Combine(Repository.Root, "tests", "node", "client.mjs");
        Assert.True(Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules")), "tests/node/node_modules is missing: ./scripts/test runs npm install there");
        var apiKey = await _server.CreateTenantKeyAsync("acme");
        var node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("node is not on PATH: ./scripts/test installs Node.js");
        var output = ExternalTool.Run(node, [script], new Dictionary<string, string>
        {
            ["VECVAULT_ADDRESS"] = new Uri(_server.Address).Authority,
            ["VECVAULT_API_KEY"] = apiKey,
        });
        Assert.Contains("node client: ok", output, StringComparison.Ordinal);
    }
}
