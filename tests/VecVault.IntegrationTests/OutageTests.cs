using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat row 8 and the asymmetric model out of process: SoftHSM2 behind <c>p11-kit server</c>, reached through
/// p11-kit-client.so (Debian 12's p11-kit forwards RSA-OAEP, not AES-GCM). The HSM process is killed during
/// traffic and started again, or frozen (SIGSTOP: a hung HSM) and thawed; VecVault is never restarted. One class, so
/// one p11-kit server at a time (the client reads its socket address once per process).
/// </summary>
public sealed class OutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Bound = VaultServer.CheckInterval + TimeSpan.FromSeconds(8);
    private readonly VaultServer _server = new(P11KitServer.ClientModule);
    private P11KitServer _hsm = null!;
    private string _warm = "";
    private string _closed = "";

    public async Task InitializeAsync()
    {
        _server.Token.CreateRsaKeyPair("remote-warm", "21");
        _server.Token.CreateRsaKeyPair("remote-closed", "22");
        _hsm = new P11KitServer(_server.Token);
        _hsm.Start();
        _server.Settings["VecVault:Hsm:CallTimeout"] = CallTimeout.ToString();
        await _server.StartAsync();
        _warm = await _server.CreateTenantKeyAsync(Tenant("warm", "remote-warm", OutagePolicy.ServeWarm));
        _closed = await _server.CreateTenantKeyAsync(Tenant("closed", "remote-closed", OutagePolicy.FailClosed));
        foreach (var key in new[] { _warm, _closed })
        {
            using var client = _server.Connect(key);
            await client.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = 4, Metric = Metric.L2 } });
            await client.UpsertManyAsync("c", Enumerable.Range(0, 100).Select(i => Points.Create((ulong)i, [i, i, i, i])));
        }

        // Load everything once more through the out-of-process HSM: the DEKs are unwrapped by p11-kit's SoftHSM2.
        await _server.StopAsync();
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _hsm.Dispose();
    }

    [Fact]
    public async Task Killing_the_hsm_denies_or_serves_warm_per_policy_never_data_loss_and_the_tenant_recovers_without_a_restart()
    {
        using var warm = _server.Connect(_warm);
        using var closed = _server.Connect(_closed);
        var warmBefore = await SearchAsync(warm);
        var closedBefore = await SearchAsync(closed);

        _hsm.Kill();
        var outage = Stopwatch.StartNew();
        double? deniedAfter = null;
        var warmAnswers = 0;
        while (outage.Elapsed < Bound && (deniedAfter is null || warmAnswers < 20))
        {
            Assert.Equal(warmBefore, await SearchAsync(warm));
            warmAnswers++;
            try
            {
                Assert.Equal(closedBefore, await SearchAsync(closed));
            }
            catch (RpcException e)
            {
                Assert.Equal(StatusCode.Unavailable, e.StatusCode);
                deniedAfter ??= outage.Elapsed.TotalSeconds;
            }

            await Task.Delay(20);
        }

        output.WriteLine($"outage: fail-closed tenant denied after {deniedAfter:F2} s; serve-warm tenant answered {warmAnswers} searches");
        Assert.NotNull(deniedAfter);

        // Writes of the asymmetric model need no HSM call: a new segment's DEK is wrapped with the public key.
        await warm.Vectors.UpsertAsync(new UpsertRequest { Collection = "c", Points = { Points.Create(500, [500, 500, 500, 500]) } });

        _hsm.Start();
        var back = Stopwatch.StartNew();
        Assert.Equal(closedBefore, await WhenServedAgainAsync(closed));
        output.WriteLine($"recovery: fail-closed tenant served again {back.Elapsed.TotalSeconds:F2} s after the HSM returned");

        // The write made during the outage is durable and readable after a restart, through the HSM again.
        await _server.StopAsync();
        await _server.StartAsync();
        using var again = _server.Connect(_warm);
        Assert.Equal(101UL, (await again.Vectors.CountAsync(new CountRequest { Collection = "c" })).Count);
    }

    [Fact]
    public async Task A_hung_hsm_is_unavailable_within_the_call_timeout_warm_data_keeps_serving_and_the_tenant_recovers_when_it_answers()
    {
        using var warm = _server.Connect(_warm);
        using var closed = _server.Connect(_closed);
        var warmBefore = await SearchAsync(warm);
        var closedBefore = await SearchAsync(closed);

        // A hung HSM answers nothing: each key check waits one call timeout, then every later call fails at once.
        var bound = VaultServer.CheckInterval + (2 * CallTimeout) + TimeSpan.FromSeconds(2);
        _hsm.Freeze();
        var frozen = Stopwatch.StartNew();
        double? deniedAfter = null;
        var slowestWarm = TimeSpan.Zero;
        while (frozen.Elapsed < bound + TimeSpan.FromSeconds(2))
        {
            var search = Stopwatch.StartNew();
            Assert.Equal(warmBefore, await SearchAsync(warm));
            slowestWarm = search.Elapsed > slowestWarm ? search.Elapsed : slowestWarm;
            try
            {
                Assert.Equal(closedBefore, await SearchAsync(closed));
                Assert.Null(deniedAfter);
            }
            catch (RpcException e)
            {
                Assert.Equal(StatusCode.Unavailable, e.StatusCode);
                deniedAfter ??= frozen.Elapsed.TotalSeconds;
            }

            await Task.Delay(20);
        }

        output.WriteLine($"hung HSM: fail-closed tenant denied after {deniedAfter:F2} s (bound {bound.TotalSeconds:F1} s); slowest serve-warm search {slowestWarm.TotalMilliseconds:F0} ms");
        Assert.NotNull(deniedAfter);
        Assert.True(deniedAfter <= bound.TotalSeconds, $"denied after {deniedAfter:F2} s, bound {bound.TotalSeconds:F1} s");

        _hsm.Thaw();
        var back = Stopwatch.StartNew();
        Assert.Equal(closedBefore, await WhenServedAgainAsync(closed));
        output.WriteLine($"recovery: fail-closed tenant served again {back.Elapsed.TotalSeconds:F2} s after the HSM answered again");
    }

    /// <summary>Searches until the tenant answers again (within <see cref="Bound"/>); meanwhile never DATA_LOSS.</summary>
    private static async Task<List<string>?> WhenServedAgainAsync(VecVaultClient client)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < Bound)
        {
            try
            {
                return await SearchAsync(client);
            }
            catch (RpcException e)
            {
                Assert.NotEqual(StatusCode.DataLoss, e.StatusCode);
                await Task.Delay(50);
            }
        }

        return null;
    }

    private CreateTenantRequest Tenant(string id, string keyLabel, OutagePolicy policy) => new()
    {
        Id = id,
        Kek = new KekReference { Model = KeyModel.RsaOaep, TokenLabel = _server.Token.Label, KeyLabel = keyLabel, OaepHash = "sha1" },
        OutagePolicy = policy,
        OutageGrace = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)),
    };

    private static async Task<List<string>> SearchAsync(VecVaultClient client)
    {
        var response = await client.Vectors.SearchAsync(new SearchRequest { Collection = "c", K = 3, Vector = Points.Vector([7, 7, 7, 7]) });
        return [.. response.Results.Select(r => $"{r.Id.Num}:{r.Score}")];
    }
}
