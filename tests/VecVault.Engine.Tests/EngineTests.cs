using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Points;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Pkcs11;
using VecVault.TestSupport;

namespace VecVault.Engine.Tests;

/// <summary>The engine over a real SoftHSM2 token.</summary>
public sealed class EngineTests : IAsyncLifetime
{
    private static readonly TenantId Acme = TenantId.Parse("acme");
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"vecvault-engine-{Guid.NewGuid():N}");
    private readonly Pkcs11KekService _keys;
    private readonly KekReference _kek;
    private readonly AuditLog _audit;
    private VaultEngine _engine = null!;

    public EngineTests()
    {
        SoftHsm.EnsureInitialised();
        var token = SoftHsm.CreateToken();
        token.CreateAesKey("kek");
        _kek = new KekReference(KeyModel.AesGcm, token.Label, "kek");
        _audit = new AuditLog(_data + "-audit.log", TimeProvider.System);
        _keys = new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => token.Pin }, NullLogger<Pkcs11KekService>.Instance);
    }

    public async Task InitializeAsync()
    {
        _engine = Open(_data);
        await _engine.CreateTenantAsync(new TenantSpec(Acme, _kek, OutagePolicy.ServeWarm, TimeSpan.FromMinutes(1)), default);
        await _engine.CreateCollectionAsync(Acme, "c", new CollectionConfig(3, Metric.L2), default);
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _audit.Dispose();
        Assert.True(AuditLog.Verify(_audit.Path).Valid);
        File.Delete(_audit.Path);
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Upsert_replaces_delete_removes_and_both_survive_recovery()
    {
        await _engine.UpsertAsync(Acme, "c", [P(1, 0, 0, 0), P(2, 5, 5, 5)], default);
        await _engine.UpsertAsync(Acme, "c", [P(1, 9, 9, 9)], default);
        Assert.Equal(1, await _engine.DeleteAsync(Acme, "c", [PointId.FromNumber(2)], default));

        AssertState(_engine);
        await _engine.DisposeAsync();
        _engine = Open(_data);
        AssertState(_engine);

        // Writes after a restart go to a fresh segment under a fresh DEK.
        await _engine.UpsertAsync(Acme, "c", [P(3, 1, 1, 1)], default);
        Assert.Equal(2, _engine.GetCollection(Acme, "c").SegmentCount);

        static void AssertState(VaultEngine engine)
        {
            Assert.Equal(1, engine.Count(Acme, "c"));
            var hit = engine.Search(Acme, "c", new SearchQuery(new float[] { 9, 9, 9 }, 5, WithPayload: false, WithVectors: true)).Single();
            Assert.Equal(PointId.FromNumber(1), hit.Id);
            Assert.Equal([9f, 9f, 9f], hit.Vector!);
        }
    }

    [Fact]
    public async Task Acknowledged_upserts_survive_a_crash()
    {
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => _engine.UpsertAsync(Acme, "c", [P((ulong)i, i, i, i)], default)));

        // The data directory as a crash would leave it: copied while the engine still runs.
        var copy = _data + "-crash";
        CrashSnapshot.Copy(_data, copy);
        try
        {
            await using var recovered = Open(copy);
            Assert.Equal(50, recovered.Count(Acme, "c"));
            Assert.Equal(PointId.FromNumber(49), recovered.Search(Acme, "c", new SearchQuery(new float[] { 49, 49, 49 }, 1, false, false)).Single().Id);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task A_tampered_wal_record_quarantines_the_collection_not_the_tenant()
    {
        await _engine.CreateCollectionAsync(Acme, "other", new CollectionConfig(3, Metric.Dot), default);
        await _engine.UpsertAsync(Acme, "c", [P(1, 1, 2, 3)], default);
        await _engine.UpsertAsync(Acme, "other", [P(7, 1, 2, 3)], default);
        await _engine.DisposeAsync();

        var log = Directory.EnumerateFiles(Path.Combine(_data, "tenants", "acme"), "log.*").Single();
        var bytes = await File.ReadAllBytesAsync(log);
        FlipInLastWalRecordOf(bytes, collectionId: 1);
        await File.WriteAllBytesAsync(log, bytes);

        _engine = Open(_data);
        Assert.Equal(ErrorCode.DataLoss, Assert.Throws<VecVaultException>(() => _engine.Count(Acme, "c")).Code);
        Assert.Equal(1, _engine.Count(Acme, "other"));
    }

    [Fact]
    public async Task An_idle_write_dek_is_zeroed_after_its_time_to_live_and_the_next_write_uses_a_fresh_one()
    {
        await _engine.DisposeAsync();
        _engine = Open(_data, dekTimeToLive: TimeSpan.FromMilliseconds(200));
        await _engine.UpsertAsync(Acme, "c", [P(1, 1, 1, 1)], default);
        Assert.Equal(1, _engine.CachedDeks);
        Assert.Equal(0, _engine.ExpireIdleDeks());

        await Task.Delay(400);
        Assert.Equal(1, _engine.ExpireIdleDeks());
        Assert.Equal(0, _engine.CachedDeks);
        Assert.Equal(1, _engine.Count(Acme, "c"));

        await _engine.UpsertAsync(Acme, "c", [P(2, 2, 2, 2)], default);
        Assert.Equal((1, 2), (_engine.CachedDeks, _engine.GetCollection(Acme, "c").SegmentCount));
        await _engine.DisposeAsync();
        _engine = Open(_data);
        Assert.Equal(2, _engine.Count(Acme, "c"));
        Assert.Equal(0, _engine.CachedDeks);
    }

    [Fact]
    public async Task A_search_whose_deadline_passed_is_cancelled()
    {
        await _engine.UpsertAsync(Acme, "c", [P(1, 1, 1, 1)], default);
        using var expired = new CancellationTokenSource();
        await expired.CancelAsync();
        Assert.Throws<OperationCanceledException>(() => _engine.Search(Acme, "c", new SearchQuery(new float[] { 1, 1, 1 }, 1, false, false), expired.Token));
    }

    [Fact]
    public void A_second_engine_on_the_same_data_directory_is_refused()
    {
        var error = Assert.Throws<VecVaultException>(() => Open(_data));
        Assert.Equal(ErrorCode.FailedPrecondition, error.Code);
        Assert.Contains("in use by another", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_vectors_are_rejected_and_nothing_is_written()
    {
        var error = await Assert.ThrowsAsync<VecVaultException>(() => _engine.UpsertAsync(Acme, "c", [P(1, 1, 2, 3), P(2, 1, float.PositiveInfinity, 3)], default));
        Assert.Equal("points[1].vector", error.Field);
        await Assert.ThrowsAsync<VecVaultException>(() => _engine.UpsertAsync(Acme, "c", [new Point(PointId.FromNumber(3), new float[] { 1, 2 }, null)], default));
        Assert.Equal(0, _engine.Count(Acme, "c"));
    }

    [Fact]
    public async Task Another_tenants_collection_is_not_found()
    {
        var other = TenantId.Parse("other");
        await _engine.CreateTenantAsync(new TenantSpec(other, _kek, OutagePolicy.ServeWarm, TimeSpan.Zero), default);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<VecVaultException>(() => _engine.Count(other, "c")).Code);
    }

    private VaultEngine Open(string data, TimeSpan? dekTimeToLive = null) =>
        VaultEngine.Open(new EngineOptions { DataDirectory = data, DekTimeToLive = dekTimeToLive ?? TimeSpan.FromMinutes(5) }, _keys, _audit, NullLogger<VaultEngine>.Instance, TimeProvider.System);

    private static Point P(ulong id, float x, float y, float z) => new(PointId.FromNumber(id), new[] { x, y, z }, null);

    /// <summary>Flips a ciphertext byte of the last WAL batch record (kind 16) of a collection in a raw log file.</summary>
    private static void FlipInLastWalRecordOf(byte[] log, ulong collectionId)
    {
        var found = -1;
        for (var i = 0; i + 28 < log.Length; i++)
        {
            if (log[i] == 1 && log[i + 1] == 16 && log[i + 2] == 0 && log[i + 3] == 0 && BitConverter.ToUInt64(log, i + 4) == collectionId)
            {
                found = i;
            }
        }

        Assert.True(found >= 0, "the WAL record is in the log file");
        log[found + 30] ^= 0x40;
    }
}
