using System.Diagnostics;
using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat row 6: the customer revokes its KEK in its own HSM while the server runs with the tenant's data loaded
/// and a query loop is going. Every request of that tenant is denied within the bound; another tenant is untouched.
/// </summary>
public sealed class RevocationTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The promised bound (check interval plus the HSM's answer) plus slack for a loaded 2-core machine.</summary>
    private static readonly TimeSpan Bound = VaultServer.CheckInterval + TimeSpan.FromSeconds(3) + TimeSpan.FromSeconds(5);

    private readonly VaultServer _server = new();
    private string _keyA = "";
    private string _keyB = "";

    public async Task InitializeAsync()
    {
        _server.Token.CreateAesKey("kek-a", "0a");
        _server.Token.CreateAesKey("kek-b", "0b");
        await _server.StartAsync();
        _keyA = await _server.CreateTenantKeyAsync("tenant-a", "kek-a");
        _keyB = await _server.CreateTenantKeyAsync("tenant-b", "kek-b");
        foreach (var key in new[] { _keyA, _keyB })
        {
            using var client = _server.Connect(key);
            await client.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = 8, Metric = Metric.L2 } });
            var points = Enumerable.Range(0, 200).Select(i => Points.Create((ulong)i, Enumerable.Repeat((float)i, 8).ToArray()));
            await client.UpsertManyAsync("c", points);
        }
    }

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task A_key_deleted_with_pkcs11_tool_denies_the_tenant_within_the_bound_and_forever()
    {
        using var a = _server.Connect(_keyA);
        using var b = _server.Connect(_keyB);
        var before = await SearchAsync(b);

        _server.Token.DeleteSecretKey("kek-a");
        var seconds = await SecondsUntilDeniedAsync(a);

        output.WriteLine($"delete: tenant denied {seconds:F2} s after pkcs11-tool --delete-object");
        Assert.True(seconds <= Bound.TotalSeconds, $"denied after {seconds:F2} s; bound {Bound.TotalSeconds} s");
        await AssertDeniedAsync(a, StatusCode.FailedPrecondition);
        Assert.Equal(before, await SearchAsync(b));
        await AssertStatsAsync("tenant-a", TenantState.KeyRevoked, points: 0);

        await _server.StopAsync();
        await _server.StartAsync();
        using var afterRestart = _server.Connect(_keyA);
        await AssertDeniedAsync(afterRestart, StatusCode.FailedPrecondition);
        using var bAfterRestart = _server.Connect(_keyB);
        Assert.Equal(before, await SearchAsync(bAfterRestart));
    }

    [Fact]
    public async Task A_disabled_key_denies_the_tenant_and_re_enabling_serves_it_again_without_a_restart()
    {
        using var a = _server.Connect(_keyA);
        using var b = _server.Connect(_keyB);
        var beforeA = await SearchAsync(a);
        var beforeB = await SearchAsync(b);

        RunHsmCli("disable", "kek-a");
        var denied = await SecondsUntilDeniedAsync(a);
        output.WriteLine($"disable: tenant denied {denied:F2} s after `vecvault hsm key disable`");
        Assert.True(denied <= Bound.TotalSeconds, $"denied after {denied:F2} s; bound {Bound.TotalSeconds} s");
        await AssertDeniedAsync(a, StatusCode.FailedPrecondition);
        Assert.Equal(beforeB, await SearchAsync(b));

        RunHsmCli("enable", "kek-a");
        var started = Stopwatch.StartNew();
        List<string>? after = null;
        while (after is null && started.Elapsed < Bound)
        {
            try
            {
                after = await SearchAsync(a);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                await Task.Delay(50);
            }
        }

        output.WriteLine($"enable: tenant served again {started.Elapsed.TotalSeconds:F2} s after `vecvault hsm key enable`");
        Assert.Equal(beforeA, after);
        await AssertStatsAsync("tenant-a", TenantState.Active, points: 200);
    }

    private async Task<double> SecondsUntilDeniedAsync(VecVaultClient client)
    {
        var started = Stopwatch.StartNew();
        while (started.Elapsed < Bound + TimeSpan.FromSeconds(5))
        {
            try
            {
                await SearchAsync(client);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                Assert.Contains("tenant key revoked", e.Status.Detail, StringComparison.Ordinal);
                return started.Elapsed.TotalSeconds;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the tenant was never denied");
    }

    private static async Task AssertDeniedAsync(VecVaultClient client, StatusCode expected)
    {
        var calls = new Func<Task>[]
        {
            () => SearchAsync(client),
            () => client.Vectors.CountAsync(new CountRequest { Collection = "c" }).ResponseAsync,
            () => client.Vectors.ListCollectionsAsync(new ListCollectionsRequest()).ResponseAsync,
            () => client.Vectors.UpsertAsync(new UpsertRequest { Collection = "c", Points = { Points.Create(999, new float[8]) } }).ResponseAsync,
            () => client.Vectors.GetAsync(new GetPointsRequest { Collection = "c", Ids = { new PointId { Num = 1 } } }).ResponseAsync,
        };
        foreach (var call in calls)
        {
            Assert.Equal(expected, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);
        }
    }

    private async Task AssertStatsAsync(string tenant, TenantState state, ulong points)
    {
        using var admin = _server.Connect(_server.AdminKey);
        var stats = (await admin.Admin.GetServerStatsAsync(new GetServerStatsRequest())).Stats.Tenants.Single(t => t.TenantId == tenant);
        Assert.Equal(state, stats.State);
        Assert.Equal(points, stats.Points);
    }

    private void RunHsmCli(string verb, string keyLabel)
    {
        var pinFile = Path.GetTempFileName();
        File.WriteAllText(pinFile, _server.Token.Pin);
        try
        {
            var result = ExternalTool.Run("/usr/bin/dotnet",
                [Path.Combine(AppContext.BaseDirectory, "vecvault.dll"), "hsm", "key", verb, "--module", SoftHsm.ModulePath,
                    "--token-label", _server.Token.Label, "--key-label", keyLabel, "--pin-file", pinFile],
                SoftHsm.Environment);
            Assert.Contains($"{verb}d 1 key(s)", result, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(pinFile);
        }
    }

    private static async Task<List<string>> SearchAsync(VecVaultClient client)
    {
        var response = await client.Vectors.SearchAsync(new SearchRequest { Collection = "c", K = 5, Vector = Points.Vector(Enumerable.Repeat(42f, 8).ToArray()) });
        return [.. response.Results.Select(r => $"{r.Id.Num}:{r.Score}")];
    }
}
