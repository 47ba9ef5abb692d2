using System.Collections.Concurrent;
using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat row 13: the real server, as a child process, is killed with SIGKILL at random moments while clients upsert
/// and delete, segments seal every 200 points, compaction runs every second and an admin rotates the KEK and the data
/// keys. After every restart each acknowledged write is there (an upsert with its exact vector, a delete as absent),
/// a write seen once stays seen, no point appears that was never written, and no segment is quarantined.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 24;
    private const int Dimension = 16;
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"vecvault-crash-{Guid.NewGuid():N}");
    private readonly ConcurrentDictionary<ulong, Fate> _points = new();

    private enum Fate
    {
        UpsertInFlight,
        Present,
        DeleteInFlight,
        Absent,
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Every_acknowledged_write_survives_kill_9_during_commits_seals_compactions_and_rotations()
    {
        SoftHsm.EnsureInitialised();
        var token = SoftHsm.CreateToken();
        token.CreateAesKey("crash-a", "ca");
        token.CreateAesKey("crash-b", "cb");
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(data);
        var pinFile = Path.Combine(_root, "pin");
        File.WriteAllText(pinFile, token.Pin);
        string[] settings = ["--VecVault:CompactionInterval=00:00:01", "--VecVault:CompactionDeadRatio=0.2"];

        string tenantKey;
        using (var first = await ServerProcess.StartAsync(data, pinFile, "Warning", settings))
        {
            using var admin = Admin(first, data);
            await admin.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "crash", Kek = Kek(token, "crash-a") });
            tenantKey = (await admin.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = ApiKeyRole.Tenant, TenantId = "crash" })).ApiKey;
            using var tenant = new VecVaultClient(first.Address, tenantKey);
            await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.L2, SegmentMaxPoints = 200 } });
        }

        var random = new Random(20261203);
        var nextId = 0L;
        var (upserts, deletes, rotationsDone) = (0, 0, 0);
        var inFlightAtKill = new List<string>();
        for (var life = 0; life <= Kills; life++)
        {
            using var server = await ServerProcess.StartAsync(data, pinFile, "Warning", settings);
            try
            {
                await VerifyAsync(server, data, tenantKey);
            }
            catch
            {
                output.WriteLine($"after kill {life}; the server's log:\n{server.Output}");
                throw;
            }

            if (life == Kills)
            {
                break;
            }

            // Writers, a deleter and an admin run until the kill; errors before the kill fail the test.
            using var killing = new CancellationTokenSource();
            var errors = new ConcurrentQueue<string>();
            var deletable = new ConcurrentQueue<ulong>();
            var rotating = "";
            var workers = new List<Task>();
            for (var writer = 0; writer < 3; writer++)
            {
                var seed = random.Next();
                workers.Add(Run(server, tenantKey, killing.Token, errors, async client =>
                {
                    var rng = new Random(seed);
                    var ids = Enumerable.Range(0, rng.Next(1, 40)).Select(_ => (ulong)Interlocked.Increment(ref nextId)).ToList();
                    ids.ForEach(id => _points[id] = Fate.UpsertInFlight);
                    await client.Vectors.UpsertAsync(new UpsertRequest { Collection = "c", Points = { ids.Select(id => Points.Create(id, VectorOf(id))) } });
                    foreach (var id in ids)
                    {
                        _points[id] = Fate.Present;
                        if (rng.Next(3) == 0)
                        {
                            deletable.Enqueue(id);
                        }
                    }

                    Interlocked.Add(ref upserts, ids.Count);
                }));
            }

            workers.Add(Run(server, tenantKey, killing.Token, errors, async client =>
            {
                var ids = new List<ulong>();
                while (ids.Count < 25 && deletable.TryDequeue(out var id))
                {
                    ids.Add(id);
                }

                if (ids.Count == 0)
                {
                    await Task.Delay(5);
                    return;
                }

                ids.ForEach(id => _points[id] = Fate.DeleteInFlight);
                await client.Vectors.DeleteAsync(new DeletePointsRequest { Collection = "c", Ids = new PointIdList { Ids = { ids.Select(id => new PointId { Num = id }) } } });
                ids.ForEach(id => _points[id] = Fate.Absent);
                Interlocked.Add(ref deletes, ids.Count);
            }));

            var rotationSeed = random.Next();
            workers.Add(Run(server, File.ReadAllText(Path.Combine(data, "admin.key")).Trim(), killing.Token, errors, async client =>
            {
                var rng = new Random(rotationSeed);
                await Task.Delay(rng.Next(100, 700), killing.Token);
                if (rng.Next(2) == 0)
                {
                    rotating = "kek rotation";
                    var current = (await client.Admin.GetTenantAsync(new GetTenantRequest { Id = "crash" })).Tenant.Kek.KeyLabel;
                    await client.Admin.RotateTenantKeyAsync(new RotateTenantKeyRequest { TenantId = "crash", NewKek = Kek(token, current == "crash-a" ? "crash-b" : "crash-a") });
                }
                else
                {
                    rotating = "data key rotation";
                    await client.Admin.RotateDataKeysAsync(new RotateDataKeysRequest { TenantId = "crash" });
                }

                rotating = "";
                Interlocked.Increment(ref rotationsDone);
            }));

            await Task.Delay(random.Next(300, 2500));
            await killing.CancelAsync();
            server.Kill();
            if (rotating.Length > 0)
            {
                inFlightAtKill.Add(rotating);
            }

            await Task.WhenAll(workers);
            Assert.True(errors.IsEmpty, $"life {life}: {string.Join("; ", errors.Take(5))}");
        }

        var audit = File.ReadAllLines(Path.Combine(data, "audit", "audit.log"));
        var (seals, compactions) = (audit.Count(l => l.Contains("\"event\":\"seal\"", StringComparison.Ordinal)), audit.Count(l => l.Contains("\"event\":\"compacted\"", StringComparison.Ordinal)));
        output.WriteLine($"{Kills} kills: {upserts} upserts and {deletes} deletes acknowledged, {_points.Count(p => p.Value == Fate.Present)} points live; "
            + $"{seals} seals, {compactions} compactions, {rotationsDone} rotations done and {inFlightAtKill.Count} in flight at a kill "
            + $"({inFlightAtKill.Count(r => r.StartsWith("kek", StringComparison.Ordinal))} of the KEK); every acknowledged write found after every restart, nothing quarantined");
        Assert.True(seals >= Kills, "segments were sealed during the runs");
        Assert.True(compactions >= 1, "compactions ran during the runs");
        Assert.NotEmpty(inFlightAtKill);
    }

    /// <summary>Reads every point back (which loads every sealed segment) and checks it against what was acknowledged.</summary>
    private async Task VerifyAsync(ServerProcess server, string data, string tenantKey)
    {
        using var admin = Admin(server, data);
        using var tenant = new VecVaultClient(server.Address, tenantKey);
        var found = new Dictionary<ulong, float[]>();
        PointId? offset = null;
        var reading = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            // The first page loads every sealed segment one after another, each with an HSM unwrap and a synced audit
            // record: under the whole suite's load on 2 cores that has taken longer than the client's 30 s default.
            var page = await tenant.Vectors.ScrollAsync(
                new ScrollRequest { Collection = "c", Offset = offset, Limit = 1000, WithVectors = true },
                deadline: DateTime.UtcNow.AddMinutes(3));
            foreach (var point in page.Points)
            {
                found[point.Id.Num] = [.. point.Vector.Data];
            }

            offset = page.NextOffset;
        }
        while (offset is not null);

        foreach (var (id, fate) in _points)
        {
            var present = found.Remove(id, out var vector);
            Assert.True(fate is Fate.UpsertInFlight or Fate.DeleteInFlight || present == (fate == Fate.Present), $"point {id} ({fate}) is {(present ? "present" : "missing")}");
            if (present)
            {
                Assert.Equal(VectorOf(id), vector);
            }

            // A write the server was killed during is whatever the log made of it, from now on.
            _points[id] = present ? Fate.Present : Fate.Absent;
        }

        Assert.Empty(found.Keys);
        var stats = (await admin.Admin.GetServerStatsAsync(new GetServerStatsRequest())).Stats;
        output.WriteLine($"read back {_points.Count(p => p.Value == Fate.Present)} points in {reading.Elapsed.TotalSeconds:F1} s, loading {stats.SegmentLoads} sealed segments");
        Assert.Empty(stats.Quarantined);
        Assert.Equal(_points.Count(p => p.Value == Fate.Present), (long)(await tenant.Vectors.CountAsync(new CountRequest { Collection = "c" })).Count);
    }

    /// <summary>Runs <paramref name="step"/> in a loop until <paramref name="killing"/>; an error before that is recorded.</summary>
    private static Task Run(ServerProcess server, string apiKey, CancellationToken killing, ConcurrentQueue<string> errors, Func<VecVaultClient, Task> step) => Task.Run(async () =>
    {
        using var client = new VecVaultClient(server.Address, apiKey);
        while (!killing.IsCancellationRequested)
        {
            try
            {
                await step(client);
            }
            catch (Exception e) when (killing.IsCancellationRequested && e is RpcException or OperationCanceledException)
            {
                return;
            }
            catch (RpcException e)
            {
                errors.Enqueue($"{e.StatusCode}: {e.Status.Detail}");
                return;
            }
        }
    });

    private static VecVaultClient Admin(ServerProcess server, string data) =>
        new(server.Address, File.ReadAllText(Path.Combine(data, "admin.key")).Trim());

    private static KekReference Kek(SoftHsmToken token, string label) =>
        new() { Model = KeyModel.AesGcm, TokenLabel = token.Label, KeyLabel = label };

    private static float[] VectorOf(ulong id) => [.. Enumerable.Range(0, Dimension).Select(j => (float)((id * 131 + (ulong)j * 7) % 1009) / 7f)];
}
