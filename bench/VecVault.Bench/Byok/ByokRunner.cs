using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Bench.Datasets;
using VecVault.Client;
using VecVault.Core.Ids;
using VecVault.Core.Points;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pkcs11;
using VecVault.Engine;
using VecVault.Protocol.V1;
using VecVault.TestSupport;

namespace VecVault.Bench.Byok;

/// <summary>What every key mode's run shares.</summary>
/// <param name="Dataset">Vectors upserted and queries searched.</param>
/// <param name="Truth">The exact neighbours of every query.</param>
/// <param name="Clients">Concurrent clients (and in-process threads) of the concurrent runs.</param>
/// <param name="Ef">ef of the latency runs.</param>
/// <param name="Efs">ef values of the recall-vs-QPS sweep.</param>
/// <param name="Rounds">Rounds of warm measurement; each round runs every mode once, in a rotating order.</param>
/// <param name="TargetRate">Searches per second of the concurrent gRPC run (0: closed loop).</param>
/// <param name="SegmentPoints">Points per segment.</param>
/// <param name="ColdStarts">Server starts measured for the cold start (the median is reported).</param>
/// <param name="KeyCheckInterval">How often the server checks every KEK (bounds revocation detection).</param>
/// <param name="WarmUp">How long searches run, unmeasured, before the first round.</param>
internal sealed record ByokSettings(Dataset Dataset, int[][] Truth, int Clients, int Ef, IReadOnlyList<int> Efs, int Rounds, double TargetRate, int SegmentPoints,
    int ColdStarts, TimeSpan KeyCheckInterval, TimeSpan WarmUp)
{
    public const int K = 10;
    public const int M = 16;
    public const int EfConstruction = 200;
    public const int Writers = 4;
    public const int Batch = 500;
}

/// <summary>
/// Runs the workload under every key mode, each against its own real server process. Phases that measure one mode at
/// a time (ingest, cold starts, revocation) run mode after mode; the warm latency runs go in rounds, every round
/// measuring every mode once in a rotating order, so that a noisy moment on a shared machine lands on every mode
/// alike and the ratios to <c>none</c> stay fair.
/// </summary>
internal sealed class ByokRunner(ByokSettings settings, SoftHsmToken? token, string pinFile, string workDirectory, Action<int, string> step)
{
    /// <summary>Steps reported per mode.</summary>
    public const int Steps = 5;

    /// <summary>Steps reported against a server the tool does not start.</summary>
    public const int StepsAgainst = 3;

    private const string Collection = "c";

    /// <summary>A small collection searched first after a start, so that the cold start measured is the data's, not the JIT's.</summary>
    private const string WarmUpCollection = "warm-up";

    /// <summary>
    /// One sealed segment (the set's first segment's worth of points), loaded alone after a start: the per-segment
    /// phases, without the collection's segments loading in parallel on the same cores.
    /// </summary>
    private const string SingleCollection = "one-segment";

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);
    private readonly Dictionary<string, Pkcs11KekService> _hsms = [];

    public async Task<IReadOnlyList<ModeResult>> RunAsync(IReadOnlyList<KeyMode> modes)
    {
        var hsm = token ?? throw new InvalidOperationException("the key modes need a SoftHSM2 token");
        var runs = modes.Select((mode, lane) => new Run(mode.Name, lane, settings) { Mode = mode, Data = Path.Combine(workDirectory, mode.Name), Kek = mode.Kek(hsm) }).ToList();
        try
        {
            foreach (var run in runs)
            {
                Directory.CreateDirectory(run.Data);
                using var server = await StartAsync(run);
                await LoadAsync(run);
                await server.StopAsync(StopTimeout);
            }

            await InProcessAsync(runs);
            foreach (var run in runs)
            {
                await ColdStartsAsync(run);
            }

            await GrpcAsync(runs);
            var results = new List<ModeResult>();
            foreach (var run in runs)
            {
                results.Add(await FinishAsync(run));
            }

            return results;
        }
        finally
        {
            foreach (var run in runs)
            {
                run.Dispose();
            }
        }
    }

    /// <summary>
    /// Against a server someone else runs (<paramref name="address"/>, an admin key): one lane, the KEK given, the
    /// phases that need no control of the server (ingest, warm gRPC runs, the sweep, its locked bytes). The tenant
    /// is shredded at the end (the KEK is left alone).
    /// </summary>
    public async Task<IReadOnlyList<ModeResult>> RunAgainstAsync(string name, string address, string adminKey, Protocol.V1.KekReference kek)
    {
        var run = new Run(name, 0, settings) { Address = address, AdminKey = adminKey, Kek = kek, TenantId = $"bench-{Guid.NewGuid():N}"[..18] };
        try
        {
            await LoadAsync(run);
            await GrpcAsync([run]);
            using var admin = Admin(run);
            var stats = (await admin.Admin.GetServerStatsAsync(new GetServerStatsRequest())).Stats;
            return [new ModeResult(name, kek.Model.ToString(), Remote: false, run.Ingest, Cold: null, InProcess1: null, InProcessN: null, run.Grpc1.Result(), run.GrpcN.Result(), run.Sweep,
                new MemoryResult(null, null, (long)stats.LockedBytes), RevocationSeconds: null)];
        }
        finally
        {
            run.Dispose();
            if (run.TenantKey.Length > 0)
            {
                using var admin = Admin(run);
                await admin.Admin.ShredTenantAsync(new ShredTenantRequest { TenantId = run.TenantId, ConfirmTenantId = run.TenantId });
                step(run.Lane, "done; the benchmark's tenant shredded");
            }
        }
    }

    /// <summary>Creates the run's tenant and collections on its server, upserts the set from <see cref="ByokSettings.Writers"/> clients, and seals.</summary>
    private async Task LoadAsync(Run run)
    {
        using (var admin = Admin(run))
        {
            await admin.Admin.CreateTenantAsync(new CreateTenantRequest { Id = run.TenantId, Kek = run.Kek, OutagePolicy = OutagePolicy.FailClosed });
            run.TenantKey = (await admin.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = ApiKeyRole.Tenant, TenantId = run.TenantId })).ApiKey;
        }

        using (var client = new VecVaultClient(run.Address, run.TenantKey))
        {
            foreach (var name in new[] { Collection, WarmUpCollection, SingleCollection })
            {
                await client.Vectors.CreateCollectionAsync(new CreateCollectionRequest
                {
                    Name = name,
                    Config = new CollectionConfig
                    {
                        Dimension = (uint)settings.Dataset.Dimension,
                        Metric = Metric.L2,
                        Hnsw = new HnswConfig { M = ByokSettings.M, EfConstruction = ByokSettings.EfConstruction, EfSearch = (uint)settings.Ef },
                        SegmentMaxPoints = (uint)settings.SegmentPoints,
                    },
                });
            }

            await client.UpsertManyAsync(WarmUpCollection, settings.Dataset.Base.Take(200).Select((vector, i) => Points.Create((ulong)i, vector)));
            await client.UpsertManyAsync(SingleCollection, settings.Dataset.Base.Take(settings.SegmentPoints - 1).Select((vector, i) => Points.Create((ulong)i, vector)));
        }

        var vectors = settings.Dataset.Base;
        var next = -ByokSettings.Batch;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, ByokSettings.Writers).Select(_ => Task.Run(async () =>
        {
            using var client = new VecVaultClient(run.Address, run.TenantKey);
            for (var first = Interlocked.Add(ref next, ByokSettings.Batch); first < vectors.Length; first = Interlocked.Add(ref next, ByokSettings.Batch))
            {
                var request = new UpsertRequest { Collection = Collection };
                request.Points.AddRange(Enumerable.Range(first, Math.Min(ByokSettings.Batch, vectors.Length - first)).Select(i => Points.Create((ulong)i, vectors[i])));
                await client.Vectors.UpsertAsync(request);
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using (var admin = Admin(run))
        {
            await admin.Admin.SealCollectionAsync(new SealCollectionRequest { TenantId = run.TenantId, Collection = Collection });
            var sealMs = clock.Elapsed.TotalMilliseconds;
            foreach (var name in new[] { WarmUpCollection, SingleCollection })
            {
                await admin.Admin.SealCollectionAsync(new SealCollectionRequest { TenantId = run.TenantId, Collection = name });
            }

            run.Ingest = new IngestResult(vectors.Length / seconds, vectors.Length * (long)settings.Dataset.Dimension * sizeof(float) / seconds / 1e6, sealMs);
        }

        step(run.Lane, $"ingest {run.Ingest.VectorsPerSecond:N0} vectors/s, seal {run.Ingest.SealMs:F0} ms");
    }

    /// <summary>
    /// The warm searches on the engine in this process, over the data each mode's server wrote: no gRPC, no HTTP/2, no
    /// protobuf. Every mode's engine is open at once, and the rounds go through them in turn.
    /// </summary>
    private async Task InProcessAsync(IReadOnlyList<Run> runs)
    {
        var engines = new List<(AuditLog Audit, VaultEngine Engine, SearchCall Search)>();
        try
        {
            foreach (var run in runs)
            {
                var audit = new AuditLog(Path.Combine(run.Data, "audit", "audit.log"), TimeProvider.System);
                var engine = VaultEngine.Open(
                    new EngineOptions { DataDirectory = run.Data, KeyCheckInterval = TimeSpan.Zero, CompactionInterval = TimeSpan.Zero, AllowKeyModelNone = true },
                    new KeyModelRouter(Hsm(run.Mode!.ModulePath), new NoneKekService()), audit, NullLogger<VaultEngine>.Instance, TimeProvider.System);
                var tenant = TenantId.Parse(run.TenantId);
                var queries = settings.Dataset.Queries;
                engines.Add((audit, engine, q => ValueTask.FromResult(
                    engine.Search(tenant, Collection, new SearchQuery(queries[q], ByokSettings.K, WithPayload: false, WithVectors: false, Ef: settings.Ef)).Select(r => r.Id.Number).ToArray())));
            }

            var passes = engines.Select(e => (Func<LatencyRecorder, LatencyRecorder, Task>)(async (one, many) =>
            {
                var count = settings.Dataset.Queries.Length;
                await Workload.RunAsync(_ => e.Search, count, 1, count, 0, settings.Truth, ByokSettings.K, one);
                await Workload.RunAsync(_ => e.Search, count, settings.Clients, count, 0, settings.Truth, ByokSettings.K, many);
            })).ToList();
            await RoundsAsync(runs, passes, run => (run.InProcess1, run.InProcessN));
            foreach (var run in runs)
            {
                step(run.Lane, $"in process p50 {run.InProcess1.Result().P50Us:F0} µs");
            }
        }
        finally
        {
            foreach (var (audit, engine, _) in engines)
            {
                await engine.DisposeAsync();
                audit.Dispose();
            }
        }
    }

    /// <summary>Starts the mode's server <see cref="ByokSettings.ColdStarts"/> times, measuring the first search each time; the last start keeps running.</summary>
    private async Task ColdStartsAsync(Run run)
    {
        var colds = new List<ColdStart>();
        for (var i = 0; i < settings.ColdStarts; i++)
        {
            if (run.Server is { } previous)
            {
                await previous.StopAsync(StopTimeout);
                previous.Dispose();
            }

            run.Server = await StartAsync(run);
            colds.Add(await ColdStartAsync(run));
        }

        run.Cold = colds.OrderBy(c => c.FirstQueryMs).ElementAt(colds.Count / 2);
        step(run.Lane, $"cold first search {run.Cold.FirstQueryMs:F1} ms ({run.Cold.Segments} segments)");
    }

    /// <summary>
    /// After a start: a search of the small warm-up collection (so the code on the load path is compiled), then of the
    /// one-segment collection, whose load the server's own counters, read before and after, split by phase (its HSM
    /// histogram gives the HSM call alone), then the first search of the collection, which loads all its segments.
    /// </summary>
    private async Task<ColdStart> ColdStartAsync(Run run)
    {
        using var client = new VecVaultClient(run.Address, run.TenantKey);
        using var admin = Admin(run);
        async Task SearchAsync(string collection)
        {
            var request = run.Requests(settings.Ef)[0].Clone();
            request.Collection = collection;
            await client.Vectors.SearchAsync(request);
        }

        await SearchAsync(WarmUpCollection);
        var before = (await admin.Admin.GetServerStatsAsync(new GetServerStatsRequest())).Stats;
        var hsmBefore = await HsmUnwrapsAsync(run.Server!);
        await SearchAsync(SingleCollection);
        var after = (await admin.Admin.GetServerStatsAsync(new GetServerStatsRequest())).Stats;
        var hsmAfter = await HsmUnwrapsAsync(run.Server!);
        var clock = Stopwatch.StartNew();
        await SearchAsync(Collection);
        var firstQuery = clock.Elapsed.TotalMilliseconds;
        var all = (await admin.Admin.GetServerStatsAsync(new GetServerStatsRequest())).Stats;

        double Milliseconds(Func<ServerStats, Duration> phase) => (phase(after).ToTimeSpan() - phase(before).ToTimeSpan()).TotalMilliseconds;
        var bytes = after.LoadPageBytes - before.LoadPageBytes;
        var decrypt = Milliseconds(s => s.LoadDecryptTime);
        return new ColdStart(
            firstQuery,
            (int)(all.SegmentLoads - after.SegmentLoads),
            Milliseconds(s => s.LoadUnwrapTime),
            hsmAfter.Count > hsmBefore.Count ? (hsmAfter.Seconds - hsmBefore.Seconds) * 1e3 / (hsmAfter.Count - hsmBefore.Count) : 0,
            Milliseconds(s => s.LoadReadTime),
            decrypt,
            Milliseconds(s => s.LoadAttachTime),
            (long)bytes,
            decrypt > 0 ? bytes / decrypt / 1e6 : 0);
    }

    /// <summary>
    /// The server's HSM unwrap calls so far, from its Prometheus histogram: how many, and their seconds in the HSM
    /// (the cold-load phase also writes the unwrap's audit record, which waits for the disk).
    /// </summary>
    private static async Task<(long Count, double Seconds)> HsmUnwrapsAsync(ServerProcess server)
    {
        using var http = new HttpClient();
        var lines = (await http.GetStringAsync($"{server.MetricsAddress}/metrics")).Split('\n')
            .Where(l => l.Contains("operation=\"unwrap\"", StringComparison.Ordinal) && l.Contains("outcome=\"ok\"", StringComparison.Ordinal)).ToList();
        double Sample(string name) => lines.Where(l => l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        return ((long)Sample("vecvault_hsm_call_duration_seconds_count"), Sample("vecvault_hsm_call_duration_seconds_sum"));
    }

    /// <summary>Warm searches over gRPC at 1 and N clients against every mode's running server, in rounds; then each mode's ef sweep.</summary>
    private async Task GrpcAsync(IReadOnlyList<Run> runs)
    {
        var passes = runs.Select(run => (Func<LatencyRecorder, LatencyRecorder, Task>)(async (one, many) =>
        {
            var requests = run.Requests(settings.Ef);
            await Grpc(run, requests, 1, requests.Length, 0, one);
            await Grpc(run, requests, settings.Clients, requests.Length, settings.TargetRate, many);
        })).ToList();
        await RoundsAsync(runs, passes, run => (run.Grpc1, run.GrpcN));
        foreach (var run in runs)
        {
            foreach (var ef in settings.Efs)
            {
                var requests = run.Requests(ef);
                var recorder = new LatencyRecorder(1, 0);
                await Grpc(run, requests, 1, requests.Length, 0, recorder);
                var result = recorder.Result();
                run.Sweep.Add(new EfPoint(ef, result.Recall, result.Qps, result.P50Us, result.P99Us));
            }

            step(run.Lane, $"gRPC p50 {run.Grpc1.Result().P50Us:F0} µs, ef sweep done");
        }
    }

    /// <summary>
    /// Warms every mode up for <see cref="ByokSettings.WarmUp"/> (unmeasured), then runs <see cref="ByokSettings.Rounds"/>
    /// rounds, each measuring every mode once, starting one mode later each round.
    /// </summary>
    private async Task RoundsAsync(IReadOnlyList<Run> runs, IReadOnlyList<Func<LatencyRecorder, LatencyRecorder, Task>> passes, Func<Run, (LatencyRecorder One, LatencyRecorder Many)> into)
    {
        for (var i = 0; i < runs.Count; i++)
        {
            var clock = Stopwatch.StartNew();
            do
            {
                await passes[i](new LatencyRecorder(1, 0), new LatencyRecorder(settings.Clients, 0));
            }
            while (clock.Elapsed < settings.WarmUp);
        }

        for (var round = 0; round < settings.Rounds; round++)
        {
            for (var j = 0; j < runs.Count; j++)
            {
                var i = (round + j) % runs.Count;
                var (one, many) = into(runs[i]);
                await passes[i](one, many);
            }
        }
    }

    /// <summary>Memory with the data warm, then the revocation: the KEK deleted while a client searches. Stops the server.</summary>
    private async Task<ModeResult> FinishAsync(Run run)
    {
        var server = run.Server!;
        var status = File.ReadAllLines($"/proc/{server.Pid}/status");
        long Kilobytes(string field) =>
            long.Parse(status.Single(l => l.StartsWith(field, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        using var admin = Admin(run);
        var stats = (await admin.Admin.GetServerStatsAsync(new GetServerStatsRequest())).Stats;
        var memory = new MemoryResult(Kilobytes("VmRSS:"), Kilobytes("VmLck:"), (long)stats.LockedBytes);

        double? revocation = null;
        if (run.Mode!.HasHsmKey)
        {
            using var client = new VecVaultClient(server.Address, run.TenantKey);
            revocation = await SecondsUntilDeniedAsync(run, client);
        }

        await server.StopAsync(StopTimeout);
        step(run.Lane, revocation is { } s ? $"denied {s:F2} s after the KEK was deleted" : "done (no KEK to revoke)");
        return new ModeResult(run.Name, run.Mode.Model.ToString(), run.Mode.Remote, run.Ingest, run.Cold, run.InProcess1.Result(), run.InProcessN.Result(),
            run.Grpc1.Result(), run.GrpcN.Result(), run.Sweep, memory, revocation);
    }

    /// <summary>
    /// Deletes the KEK with pkcs11-tool while the client keeps searching, and returns the seconds from the deletion
    /// until the server denies the tenant (FAILED_PRECONDITION); null when it did not within the check interval plus 30 s.
    /// </summary>
    private async Task<double?> SecondsUntilDeniedAsync(Run run, VecVaultClient client)
    {
        var request = run.Requests(settings.Ef)[0];
        run.Mode!.RevokeKey(token!);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < settings.KeyCheckInterval + TimeSpan.FromSeconds(30))
        {
            try
            {
                await client.Vectors.SearchAsync(request);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                return clock.Elapsed.TotalSeconds;
            }

            await Task.Delay(5);
        }

        return null;
    }

    /// <summary>Starts the run's server over its data directory; the run's address and admin key are then the server's.</summary>
    private async Task<ServerProcess> StartAsync(Run run)
    {
        var server = await ServerProcess.StartAsync(new ServerProcessOptions(run.Data, pinFile)
        {
            Metrics = true,
            ModulePath = run.Mode!.ModulePath,
            Environment = run.Mode.Remote ? P11KitServer.ClientEnvironment : new Dictionary<string, string>(),
            Settings =
            [
                "--VecVault:Keys:AllowInsecureKeyModelNone=true",
                $"--VecVault:Keys:CheckInterval={settings.KeyCheckInterval}",
                "--VecVault:CompactionInterval=00:00:00",
            ],
        });
        run.Address = server.Address;
        run.AdminKey = File.ReadAllText(Path.Combine(run.Data, "admin.key")).Trim();
        return server;
    }

    private static VecVaultClient Admin(Run run) => new(run.Address, run.AdminKey);

    private Task Grpc(Run run, SearchRequest[] requests, int concurrency, int queriesPerClient, double targetRate, LatencyRecorder into) =>
        Workload.RunAsync(
            client => async q => [.. (await run.Clients[client].Vectors.SearchAsync(requests[q])).Results.Select(r => r.Id.Num)],
            requests.Length, concurrency, queriesPerClient, targetRate, settings.Truth, ByokSettings.K, into);

    /// <summary>One PKCS#11 library per module for the whole run, never disposed (disposing one finalizes the module for the process).</summary>
    private Pkcs11KekService Hsm(string modulePath)
    {
        if (!_hsms.TryGetValue(modulePath, out var hsm))
        {
            hsm = new Pkcs11KekService(new Pkcs11Options { ModulePath = modulePath, PinProvider = _ => token!.Pin }, NullLogger<Pkcs11KekService>.Instance);
            _hsms[modulePath] = hsm;
        }

        return hsm;
    }

    /// <summary>One lane's state through the phases: a key mode on a server the tool starts, or a server given.</summary>
    private sealed class Run(string name, int lane, ByokSettings settings) : IDisposable
    {
        private readonly Dictionary<int, SearchRequest[]> _requests = [];
        private VecVaultClient[]? _clients;

        public string Name { get; } = name;

        public int Lane { get; } = lane;

        /// <summary>The key mode, when the tool runs the server.</summary>
        public KeyMode? Mode { get; init; }

        /// <summary>The server's data directory, when the tool runs the server.</summary>
        public string Data { get; init; } = "";

        public required Protocol.V1.KekReference Kek { get; init; }

        public string TenantId { get; init; } = "bench";

        public string Address { get; set; } = "";

        public string AdminKey { get; set; } = "";

        public string TenantKey { get; set; } = "";

        public IngestResult Ingest { get; set; } = null!;

        public ColdStart? Cold { get; set; }

        /// <summary>The server running from the cold starts until the end.</summary>
        public ServerProcess? Server { get; set; }

        /// <summary>One channel per concurrent client, to the running server.</summary>
        public VecVaultClient[] Clients => _clients ??= [.. Enumerable.Range(0, settings.Clients).Select(_ => new VecVaultClient(Address, TenantKey))];

        public LatencyRecorder InProcess1 { get; } = new(1, 0);

        public LatencyRecorder InProcessN { get; } = new(settings.Clients, 0);

        public LatencyRecorder Grpc1 { get; } = new(1, 0);

        public LatencyRecorder GrpcN { get; } = new(settings.Clients, settings.TargetRate);

        public List<EfPoint> Sweep { get; } = [];

        /// <summary>Every query as a search request at <paramref name="ef"/>, built once: building them is not measured.</summary>
        public SearchRequest[] Requests(int ef)
        {
            if (!_requests.TryGetValue(ef, out var requests))
            {
                requests = [.. settings.Dataset.Queries.Select(query => new SearchRequest { Collection = Collection, Vector = Points.Vector(query), K = ByokSettings.K, Params = new SearchParams { Ef = (uint)ef } })];
                _requests[ef] = requests;
            }

            return requests;
        }

        public void Dispose()
        {
            foreach (var client in _clients ?? [])
            {
                client.Dispose();
            }

            Server?.Dispose();
            if (Data.Length > 0 && Directory.Exists(Data))
            {
                Directory.Delete(Data, recursive: true);
            }
        }
    }
}
