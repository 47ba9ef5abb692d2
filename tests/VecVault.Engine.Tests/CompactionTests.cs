using VecVault.Core.Ids;
using VecVault.Core.Points;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>
/// Compaction: sealed segments with many dead points are rewritten with their live points under fresh DEKs, and the
/// tenant's log loses the old pages, the WAL runs seals replaced and the records of deleted collections.
/// </summary>
public sealed class CompactionTests(ITestOutputHelper output) : TenantFixture(output)
{
    [Fact]
    public async Task A_segment_with_many_deletes_is_rewritten_under_a_fresh_dek_and_its_old_pages_leave_the_log()
    {
        // a: segment 1 seals the first 300 points (then 250 of them are deleted), segment 2 the next 300; 20 more stay in the WAL.
        await _engine.SealAsync(Acme, "a", default);
        await WriteAsync(_engine, 300, 300);
        await _engine.SealAsync(Acme, "a", default);
        await WriteAsync(_engine, 600, 20);
        Assert.Equal(250, await _engine.DeleteAsync(Acme, "a", [.. Enumerable.Range(0, 250).Select(i => PointId.FromNumber((ulong)i))], default));
        var expected = Snapshot(_engine);
        var deksBefore = DekIdsIn(TenantDirectory);
        var bytesBefore = BytesIn(TenantDirectory);

        Assert.Equal(1, await _engine.CompactAsync(Acme, default));

        Assert.Equal(expected, Snapshot(_engine));
        var deksAfter = DekIdsIn(TenantDirectory);
        var bytesAfter = BytesIn(TenantDirectory);
        _output.WriteLine($"log {bytesBefore} B with {deksBefore.Count} DEKs before, {bytesAfter} B with {deksAfter.Count} after");
        Assert.Single(deksAfter.Except(deksBefore));
        Assert.True(deksBefore.Except(deksAfter).Count() >= 1 + 3, "the compacted segment's DEK and the replaced WAL runs' DEKs are gone");
        Assert.True(bytesAfter < bytesBefore, "the old pages and the replaced WAL runs left the log");
        AssertSearchesFind(_engine, [.. Enumerable.Range(250, 370)]);

        // Nothing more to do; a restart loads the compacted segment from its pages.
        Assert.Equal(-1, await _engine.CompactAsync(Acme, default));
        await RestartAsync();
        Assert.Equal(expected, Snapshot(_engine));
        AssertSearchesFind(_engine, [.. Enumerable.Range(250, 370)]);
        Assert.True(_engine.SegmentStats.Loads >= 1);
    }

    [Fact]
    public async Task Writes_and_deletes_during_a_compaction_all_survive_it_and_a_restart()
    {
        await _engine.SealAsync(Acme, "a", default);
        await _engine.DeleteAsync(Acme, "a", [.. Enumerable.Range(0, 200).Select(i => PointId.FromNumber((ulong)i))], default);
        var live = Enumerable.Range(200, 100).ToHashSet();

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            // Deletes hit the segment being compacted (points killed after its copy was taken) and upserts go on.
            for (var i = 0; !stop.IsCancellationRequested && i < 100; i++)
            {
                await _engine.UpsertAsync(Acme, "a", [new Point(PointId.FromNumber((ulong)(1000 + i)), new float[] { 1000 + i, 0, 1, 0 }, null)], default);
                live.Add(1000 + i);
                if (i < 50)
                {
                    await _engine.DeleteAsync(Acme, "a", [PointId.FromNumber((ulong)(200 + i))], default);
                    live.Remove(200 + i);
                }
            }
        });

        var compactions = 0;
        while (!writer.IsCompleted)
        {
            compactions += Math.Max(0, await _engine.CompactAsync(Acme, default));
            await Task.Delay(5);
        }

        await writer;
        Assert.True(compactions >= 1);
        AssertLive(live);
        await RestartAsync();
        AssertLive(live);

        void AssertLive(HashSet<int> ids)
        {
            var (points, _) = _engine.Scroll(Acme, "a", null, 10_000, withPayload: false, withVectors: true);
            Assert.Equal(ids.Order().Select(i => PointId.FromNumber((ulong)i)), points.Select(p => p.Id));
            Assert.All(points, p => Assert.Equal((float)p.Id.Number, p.Vector.Span[0]));
        }
    }

    [Fact]
    public async Task A_deleted_collections_records_and_keys_leave_the_log_at_the_next_compaction()
    {
        var deks = DekIdsIn(TenantDirectory);
        Assert.Equal(6, deks.Count);
        await _engine.DeleteCollectionAsync(Acme, "b", default);
        Assert.Equal(0, await _engine.CompactAsync(Acme, default));

        // a keeps its three WAL runs as they were; b's three DEKs and all its ciphertext are gone.
        var after = DekIdsIn(TenantDirectory);
        Assert.Equal(3, after.Count);
        Assert.Subset(deks, after);
        Assert.Equal(-1, await _engine.CompactAsync(Acme, default));
        await RestartAsync();
        Assert.Equal(["a"], _engine.ListCollections(Acme).Select(c => c.Name));
        Assert.Equal(300, _engine.Count(Acme, "a"));
    }

    private static void AssertSearchesFind(VaultEngine engine, List<int> ids)
    {
        foreach (var i in ids.Where(i => i % 37 == 0))
        {
            var hit = engine.Search(Acme, "a", new SearchQuery(new float[] { i, i % 7, 1, -i }, 1, false, false)).Single();
            Assert.Equal(PointId.FromNumber((ulong)i), hit.Id);
        }
    }
}
