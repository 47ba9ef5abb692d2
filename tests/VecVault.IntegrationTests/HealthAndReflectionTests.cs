using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using VecVault.Server.Hosting;

namespace VecVault.IntegrationTests;

/// <summary>Generic tools and other languages can find and check the server.</summary>
public sealed class HealthAndReflectionTests : IAsyncLifetime
{
    private readonly VaultServer _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Health_check_answers_serving_for_the_server_and_both_services()
    {
        using var client = _server.Connect(_server.AdminKey);
        var health = new Health.HealthClient(client.Channel);
        foreach (var service in ServerHost.HealthServices)
        {
            var response = await health.CheckAsync(new HealthCheckRequest { Service = service });
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
        }
    }

    [Fact]
    public async Task Reflection_lists_both_services_without_credentials()
    {
        using var client = _server.Connect("vv1.none.none");
        var reflection = new ServerReflection.ServerReflectionClient(client.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("vecvault.v1.VectorService", services);
        Assert.Contains("vecvault.v1.AdminService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }
}
