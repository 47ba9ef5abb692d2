using System.Text;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Points;
using VecVault.Core.Tenants;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>DEK rotation: the tenant's log is rewritten under fresh DEKs and the old one deleted, crash-safely.</summary>
public sealed class DataKeyRotationTests(ITestOutputHelper output) : TenantFixture(output)
{
    [Fact]
    public async Task Rotating_data_keys_reencrypts_everything_under_fresh_deks_and_leaves_no_old_key_or_record()
    {
        // Replaced and deleted points, and a rotated-away KEK, all of which the old log still holds.
        await WriteAsync(_engine, 0, 40);
        await _engine.DeleteAsync(Acme, "a", [.. Enumerable.Range(100, 50).Select(i => PointId.FromNumber((ulong)i))], default);
        _token.CreateAesKey("kek-2", "02");
        await _engine.RotateTenantKeyAsync(Acme, new KekReference(KeyModel.AesGcm, _token.Label, "kek-2"), default);
        var expected = Snapshot(_engine);
        var oldDeks = DekIdsIn(TenantDirectory);
        var oldBytes = BytesIn(TenantDirectory);
        Assert.Equal(8, oldDeks.Count);

        Assert.Equal(8, await _engine.RotateDataKeysAsync(Acme, null, default));
        Assert.Equal(expected, Snapshot(_engine));

        var newDeks = DekIdsIn(TenantDirectory);
        Assert.Equal(2, newDeks.Count);
        Assert.Empty(newDeks.Intersect(oldDeks));
        Assert.DoesNotContain("kek-1", Encoding.Latin1.GetString(File.ReadAllBytes(LogFile(TenantDirectory))), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(_data, "tenants"), ".*"));
        var newBytes = BytesIn(TenantDirectory);
        _output.WriteLine($"log before {oldBytes} B with {oldDeks.Count} DEKs; after {newBytes} B with {newDeks.Count} fresh DEKs");
        Assert.True(newBytes < oldBytes, "deleted and replaced points are gone from the rewritten log");

        // The old KEK is no longer needed for anything; writes go on in the fresh segment; a restart reads it all.
        _token.DeleteSecretKey("kek-1");
        await WriteAsync(_engine, 500, 10);
        var afterWrites = Snapshot(_engine);
        await RestartAsync();
        Assert.Equal(TenantState.Active, _engine.GetTenant(Acme).State);
        Assert.Equal(afterWrites, Snapshot(_engine));
    }

    [Fact]
    public async Task Rotating_one_collection_leaves_the_others_keys_and_ciphertext_as_they_are()
    {
        var expected = Snapshot(_engine);
        var before = DekIdsIn(TenantDirectory);
        Assert.Equal(3, await _engine.RotateDataKeysAsync(Acme, "a", default));
        var after = DekIdsIn(TenantDirectory);

        // b keeps its three DEKs; a has one fresh one.
        Assert.Equal(4, after.Count);
        Assert.Equal(3, after.Intersect(before).Count());
        Assert.Equal(expected, Snapshot(_engine));
        await RestartAsync();
        Assert.Equal(expected, Snapshot(_engine));
        Assert.Equal(4, _engine.GetCollection(Acme, "a").SegmentCount);
    }

    [Fact]
    public async Task A_crash_at_any_point_of_a_rewrite_leaves_the_old_or_the_new_log_whole()
    {
        var expected = Snapshot(_engine);
        var oldDeks = DekIdsIn(TenantDirectory);
        await _engine.DisposeAsync();

        // Crashes while the rewrite is written (at each fresh DEK's wrap), and the three states of the swap after it.
        var armed = false;
        _engine = Open(_data, new CrashingKeys(_hsm, _first, () =>
        {
            if (armed)
            {
                CrashCopy(_data);
            }
        }));
        var before = CrashCopy(_data);
        armed = true;
        await _engine.RotateDataKeysAsync(Acme, null, default);
        armed = false;
        var after = CrashCopy(_data);
        var newDeks = DekIdsIn(Path.Combine(after, "tenants", "acme"));
        var midRewrite = _crashes.Where(c => c != before && c != after).ToList();
        Assert.Equal(2, midRewrite.Count);
        Assert.All(midRewrite, c => Assert.True(Directory.Exists(Path.Combine(c, "tenants", ".acme.rewrite"))));

        var states = new List<(string Directory, HashSet<string> Deks)>();
        states.AddRange(midRewrite.Select(c => (c, oldDeks)));
        states.Add((Swap(before, after, live: "before", rewrite: "after", old: null), oldDeks));
        states.Add((Swap(before, after, live: null, rewrite: "after", old: "before"), newDeks));
        states.Add((Swap(before, after, live: "after", rewrite: null, old: "before"), newDeks));
        states.Add((after, newDeks));
        foreach (var (directory, deks) in states)
        {
            await using (var recovered = Open(directory, _hsm))
            {
                Assert.Equal(expected, Snapshot(recovered));
            }

            Assert.True(deks.SetEquals(DekIdsIn(Path.Combine(directory, "tenants", "acme"))), "the log served is the one the crash left whole");
            Assert.Empty(Directory.EnumerateDirectories(Path.Combine(directory, "tenants"), ".*"));
        }

        _output.WriteLine($"crash states: {states.Count}; whole: {states.Count} of {states.Count}");
    }

    [Fact]
    public async Task Writes_and_reads_during_rotations_are_neither_lost_nor_wrong()
    {
        _token.CreateAesKey("kek-2", "02");
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            for (var i = 1000 + (w * 100_000); !stop.IsCancellationRequested; i++)
            {
                await _engine.UpsertAsync(Acme, "a", [new Point(PointId.FromNumber((ulong)i), new float[] { i, 0, 0, 0 }, null)], default);
                acknowledged.Add(i);
            }
        })).ToList();
        var reads = 0;
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.Equal(PointId.FromNumber(7), _engine.Search(Acme, "a", new SearchQuery(new float[] { 7, 0, 1, -7 }, 1, false, false)).Single().Id);
                reads++;
                await Task.Yield();
            }
        });

        await Task.Delay(100);
        var before = acknowledged.Count;
        await _engine.RotateDataKeysAsync(Acme, null, default);
        await _engine.RotateTenantKeyAsync(Acme, new KekReference(KeyModel.AesGcm, _token.Label, "kek-2"), default);
        await _engine.RotateDataKeysAsync(Acme, "a", default);
        var during = acknowledged.Count - before;
        await Task.Delay(100);
        await stop.CancelAsync();
        await Task.WhenAll([.. writers, reader]);

        await RestartAsync();
        var ids = _engine.Get(Acme, "a", [.. acknowledged.Select(i => PointId.FromNumber((ulong)i))], withPayload: false, withVectors: true);
        Assert.Equal(acknowledged.Count, ids.Count);
        Assert.All(ids, p => Assert.Equal((float)p.Id.Number, p.Vector.Span[0]));
        _output.WriteLine($"acknowledged: {acknowledged.Count} ({during} while the rotations ran), all present after a restart; searches: {reads}");
    }

    /// <summary>A data directory as a crash during the swap leaves it: the tenant's live, rewrite and old directories taken from the snapshots named.</summary>
    private string Swap(string before, string after, string? live, string? rewrite, string? old)
    {
        var copy = CrashCopy(before);
        var tenants = Path.Combine(copy, "tenants");
        Directory.Delete(Path.Combine(tenants, "acme"), recursive: true);
        foreach (var (name, source) in new[] { ("acme", live), (".acme.rewrite", rewrite), (".acme.old", old) })
        {
            if (source is not null)
            {
                TestSupport.CrashSnapshot.Copy(Path.Combine(source == "before" ? before : after, "tenants", "acme"), Path.Combine(tenants, name));
            }
        }

        return copy;
    }
}
