using System.Diagnostics;
using HdrHistogram;
using Microsoft.Extensions.DependencyInjection;
using VecVault.Client;
using VecVault.Engine;
using VecVault.Protocol.V1;
using Xunit.Abstractions;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat model row 15, kept short: several clients upsert and search at once for a bounded time while small
/// segments are sealed, evicted from a tight locked-memory budget and loaded again. Zero errors; p50/p99 printed. Segments
/// a running search uses are never evicted, so the budget is exceeded only while searches need more at once: the
/// excess is printed, and once the load ends the loaded segments are within the budget.
/// </summary>
public sealed class LoadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Dimension = 32;
    private const int Clients = 4;
    private const long BudgetBytes = 1024 * 1024;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(8);
    private readonly VaultServer _server = new();

    public Task InitializeAsync()
    {
        _server.Settings["VecVault:SegmentCacheBytes"] = BudgetBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return _server.StartAsync();
    }

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Concurrent_upserts_and_searches_with_eviction_run_without_errors_within_the_memory_budget()
    {
        var keys = new[] { await _server.CreateTenantKeyAsync("acme"), await _server.CreateTenantKeyAsync("globex") };
        foreach (var key in keys)
        {
            using var tenant = _server.Connect(key);
            await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "docs", Config = new CollectionConfig { Dimension = Dimension, Metric = Metric.Cosine, SegmentMaxPoints = 400 } });
        }

        var upserts = new LongHistogram(Stopwatch.Frequency * 60, 3);
        var searches = new LongHistogram(Stopwatch.Frequency * 60, 3);
        var engine = _server.Services.GetRequiredService<VaultEngine>();
        var maxExcess = 0L;
        var stop = DateTime.UtcNow + Duration;
        var workers = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            using var client = _server.Connect(keys[c % keys.Length]);
            var random = new Random(c);
            var nextId = (ulong)c * 1_000_000;
            while (DateTime.UtcNow < stop)
            {
                var request = new UpsertRequest { Collection = "docs" };
                request.Points.AddRange(Enumerable.Range(0, 50).Select(_ => Points.Create(nextId++, Vector(random))));
                var started = Stopwatch.GetTimestamp();
                await client.Vectors.UpsertAsync(request);
                Record(upserts, started);
                for (var q = 0; q < 5; q++)
                {
                    started = Stopwatch.GetTimestamp();
                    var response = await client.Vectors.SearchAsync(new SearchRequest { Collection = "docs", K = 10, Vector = Points.Vector(Vector(random)) });
                    Record(searches, started);
                    Assert.Equal(10, response.Results.Count);
                }

                var stats = engine.SegmentStats;
                InterlockedMax(ref maxExcess, stats.LoadedBytes - stats.BudgetBytes);
            }
        })).ToList();
        await Task.WhenAll(workers);

        var final = engine.SegmentStats;
        output.WriteLine($"load: {Clients} clients for {Duration.TotalSeconds:0} s: {upserts.TotalCount} upserts of 50 (p50 {Ms(upserts, 50)} ms, p99 {Ms(upserts, 99)} ms), "
            + $"{searches.TotalCount} searches (p50 {Ms(searches, 50)} ms, p99 {Ms(searches, 99)} ms); {final.Loads} segment loads, {final.Evictions} evictions; "
            + $"loaded segments at most {maxExcess / 1024} KiB over the {BudgetBytes / 1024} KiB budget while searches ran, {final.LoadedBytes / 1024} KiB after");
        Assert.True(final.LoadedBytes <= final.BudgetBytes, $"{final.LoadedBytes} loaded bytes after the load, budget {final.BudgetBytes}");
        Assert.True(final.Evictions > 0, "the budget must force evictions, or the test proves nothing about them");
        Assert.True(final.Loads > 0, "evicted segments were loaded again (every segment starts loaded: this process sealed it)");
        Assert.True(searches.TotalCount > 0 && upserts.TotalCount > 0);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var current = Interlocked.Read(ref target); value > current; current = Interlocked.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }

    private static void Record(LongHistogram histogram, long started)
    {
        lock (histogram)
        {
            histogram.RecordValue(Stopwatch.GetTimestamp() - started);
        }
    }

    private static string Ms(LongHistogram histogram, double percentile) =>
        (histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    private static float[] Vector(Random random) => [.. Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble() - 0.5f)];
}
