using System.Net;
using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.IntegrationTests;

/// <summary>Prometheus metrics on their own port: calls per RPC and status, latency histograms, HSM operations, segments, locked bytes, tenants.</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly VaultServer _server = new();
    private readonly HttpClient _http = new();

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Metrics_count_calls_by_method_and_code_and_report_hsm_and_memory()
    {
        using var tenant = await _server.CreateTenantAsync("acme");
        await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "docs", Config = new CollectionConfig { Dimension = 3, Metric = Metric.L2 } });
        var upsert = new UpsertRequest { Collection = "docs" };
        upsert.Points.Add(Points.Create(1, [1, 2, 3]));
        await tenant.Vectors.UpsertAsync(upsert);
        for (var i = 0; i < 3; i++)
        {
            await tenant.Vectors.SearchAsync(new SearchRequest { Collection = "docs", K = 1, Vector = Points.Vector([1, 2, 3]) });
        }

        var bad = await Assert.ThrowsAsync<RpcException>(() => tenant.Vectors.SearchAsync(new SearchRequest { Collection = "docs", K = 0, Vector = Points.Vector([1, 2, 3]) }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        using var stranger = _server.Connect("vv1.0000000000000000.nope");
        await Assert.ThrowsAsync<RpcException>(() => stranger.Vectors.ListCollectionsAsync(new ListCollectionsRequest()).ResponseAsync);

        var text = await _http.GetStringAsync($"{_server.MetricsAddress}/metrics");
        Assert.Equal(3, Sample(text, "vecvault_rpc_calls_total", "code=\"OK\"", "method=\"VectorService/Search\""));
        Assert.Equal(1, Sample(text, "vecvault_rpc_calls_total", "code=\"InvalidArgument\"", "method=\"VectorService/Search\""));
        Assert.Equal(1, Sample(text, "vecvault_rpc_calls_total", "code=\"Unauthenticated\"", "method=\"VectorService/ListCollections\""));
        Assert.Equal(4, Sample(text, "vecvault_rpc_duration_seconds_count", "method=\"VectorService/Search\""));
        Assert.True(Sample(text, "vecvault_hsm_call_duration_seconds_count", "operation=\"wrap\"", "outcome=\"ok\"") >= 1);
        Assert.True(Sample(text, "vecvault_hsm_wraps_total") >= 1);
        Assert.True(Sample(text, "vecvault_locked_bytes") > 0);
        Assert.Equal(1, Sample(text, "vecvault_tenants", "state=\"active\""));
        Assert.Equal(0, Sample(text, "vecvault_tenants", "state=\"key_revoked\""));
        Assert.DoesNotContain("vv1.", text, StringComparison.Ordinal);

        // The metrics port serves only /metrics, and the gRPC port never serves it.
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{_server.MetricsAddress}/")).StatusCode);
        var overGrpc = new HttpRequestMessage(HttpMethod.Get, $"{_server.Address}/metrics") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Assert.Equal(HttpStatusCode.NotFound, (await _http.SendAsync(overGrpc)).StatusCode);
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels contain every one of <paramref name="labels"/>.</summary>
    private static double Sample(string text, string name, params string[] labels)
    {
        var lines = text.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .ToList();
        Assert.True(lines.Count == 1, $"expected one sample of {name} with {string.Join(',', labels)}; found {lines.Count}:\n{string.Join('\n', text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal)))}");
        return double.Parse(lines[0][(lines[0].LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
