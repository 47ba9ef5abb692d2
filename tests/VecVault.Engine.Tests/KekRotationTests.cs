using Microsoft.Extensions.Logging.Abstractions;
using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Points;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pkcs11;
using VecVault.Memory.Locked;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>KEK rotation (threat row 5) over a real SoftHSM2 token: rewrap only, atomic, across restarts, crash-safe.</summary>
public sealed class KekRotationTests : IAsyncLifetime
{
    private static readonly TenantId Acme = TenantId.Parse("acme");
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"vecvault-rotation-{Guid.NewGuid():N}");
    private readonly ITestOutputHelper _output;
    private readonly SoftHsmToken _token;
    private readonly Pkcs11KekService _hsm;
    private readonly AuditLog _audit;
    private readonly KekReference _first;
    private VaultEngine _engine = null!;

    public KekRotationTests(ITestOutputHelper output)
    {
        _output = output;
        SoftHsm.EnsureInitialised();
        _token = SoftHsm.CreateToken();
        _token.CreateAesKey("kek-1", "01");
        _first = new KekReference(KeyModel.AesGcm, _token.Label, "kek-1");
        _audit = new AuditLog(_data + "-audit.log", TimeProvider.System);
        _hsm = new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => _token.Pin }, NullLogger<Pkcs11KekService>.Instance);
    }

    public async Task InitializeAsync()
    {
        _engine = Open(_data, _hsm);
        await _engine.CreateTenantAsync(new TenantSpec(Acme, _first, OutagePolicy.ServeWarm, TimeSpan.FromMinutes(1)), default);
        await _engine.CreateCollectionAsync(Acme, "a", new CollectionConfig(4, Metric.L2), default);
        await _engine.CreateCollectionAsync(Acme, "b", new CollectionConfig(4, Metric.Cosine), default);

        // Three runs, so each collection has three segments (each run writes to a fresh one).
        for (var run = 0; run < 3; run++)
        {
            await WriteAsync(_engine, run * 100, 100);
            await RestartAsync();
        }
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
    public async Task Rotation_rewraps_every_dek_survives_restarts_and_outlives_the_old_keks()
    {
        _token.CreateAesKey("kek-2", "02");
        _token.CreateRsaKeyPair("kek-3", "03");
        var second = new KekReference(KeyModel.AesGcm, _token.Label, "kek-2");
        var third = new KekReference(KeyModel.RsaOaep, _token.Label, "kek-3", OaepHash: "sha1");
        var before = Snapshot(_engine);

        var (version, rewrapped) = await _engine.RotateTenantKeyAsync(Acme, second, default);
        Assert.Equal((2u, 6), (version, rewrapped));
        Assert.Equal(second, _engine.GetTenant(Acme).Kek);
        Assert.Equal(before, Snapshot(_engine));

        // New writes go under the new KEK; then a restart reads every segment under kek-2.
        await WriteAsync(_engine, 300, 50);
        await RestartAsync();
        Assert.Equal((second, 2u), (_engine.GetTenant(Acme).Kek, _engine.GetTenant(Acme).KekVersion));
        var afterWrites = Snapshot(_engine);

        // A second rotation, to the other key model.
        Assert.Equal((3u, 8), await _engine.RotateTenantKeyAsync(Acme, third, default));
        await RestartAsync();

        // The customer destroys both rotated-away KEKs; everything stays readable, also after another restart.
        _token.DeleteSecretKey("kek-1");
        _token.DeleteSecretKey("kek-2");
        await _engine.CheckKeysAsync();
        Assert.Equal(afterWrites, Snapshot(_engine));
        await RestartAsync();
        Assert.Equal(TenantState.Active, _engine.GetTenant(Acme).State);
        Assert.Equal(afterWrites, Snapshot(_engine));
        await WriteAsync(_engine, 400, 10);
        Assert.Equal(360, _engine.Count(Acme, "a"));
    }

    [Fact]
    public async Task Rotation_is_refused_without_writing_when_the_new_key_is_missing_or_current()
    {
        var missing = new KekReference(KeyModel.AesGcm, _token.Label, "no-such-key");
        Assert.Equal(ErrorCode.KeyRevoked, (await Assert.ThrowsAsync<VecVaultException>(() => _engine.RotateTenantKeyAsync(Acme, missing, default))).Code);
        var current = await Assert.ThrowsAsync<VecVaultException>(() => _engine.RotateTenantKeyAsync(Acme, _first, default));
        Assert.Equal((ErrorCode.InvalidArgument, "new_kek"), (current.Code, current.Field));

        await RestartAsync();
        Assert.Equal((_first, 1u), (_engine.GetTenant(Acme).Kek, _engine.GetTenant(Acme).KekVersion));
    }

    [Fact]
    public async Task A_crash_at_any_point_of_a_rotation_leaves_every_segment_readable_with_the_old_or_the_new_kek()
    {
        _token.CreateAesKey("kek-2", "02");
        var second = new KekReference(KeyModel.AesGcm, _token.Label, "kek-2");
        var expected = Snapshot(_engine);
        await _engine.DisposeAsync();

        // Every HSM call for the new KEK during the rotation copies the data directory as a crash would leave it:
        // before anything is written, after each rewrapped DEK is durable, and before the switch.
        var crashes = new List<string>();
        var snapshotting = new CrashingKeys(_hsm, second, () =>
        {
            var copy = $"{_data}-crash-{crashes.Count}";
            CrashSnapshot.Copy(_data, copy);
            crashes.Add(copy);
        });
        _engine = Open(_data, snapshotting);
        await _engine.RotateTenantKeyAsync(Acme, second, default);
        var completed = $"{_data}-crash-{crashes.Count}";
        CrashSnapshot.Copy(_data, completed);
        crashes.Add(completed);
        await _engine.DisposeAsync();

        try
        {
            // 6 segments: a check, 6 rewraps, a check before the switch, and the completed rotation.
            Assert.Equal(9, crashes.Count);
            var versions = new List<uint>();
            foreach (var crash in crashes)
            {
                await using var recovered = Open(crash, _hsm);
                Assert.Equal(TenantState.Active, recovered.GetTenant(Acme).State);
                Assert.Equal(expected, Snapshot(recovered));
                versions.Add(recovered.GetTenant(Acme).KekVersion);
            }

            Assert.Equal([.. Enumerable.Repeat(1u, 8), 2u], versions);

            // With the old KEK destroyed, a cut-short rotation is a revoked key (a distinct error, not corruption);
            // the completed one needs only the new KEK.
            _token.DeleteSecretKey("kek-1");
            foreach (var crash in crashes.SkipLast(1))
            {
                await using var recovered = Open(crash, _hsm);
                Assert.Equal(TenantState.KeyRevoked, recovered.GetTenant(Acme).State);
                Assert.Equal(ErrorCode.KeyRevoked, Assert.Throws<VecVaultException>(() => recovered.Count(Acme, "a")).Code);
            }

            await using (var recovered = Open(crashes[^1], _hsm))
            {
                Assert.Equal(expected, Snapshot(recovered));
            }

            _output.WriteLine($"crash points: {crashes.Count}; readable: {crashes.Count} of {crashes.Count}; KEK versions {string.Join(",", versions)}");
        }
        finally
        {
            foreach (var crash in crashes)
            {
                Directory.Delete(crash, recursive: true);
            }

            _engine = Open(_data, _hsm);
        }
    }

    private VaultEngine Open(string data, IKekService keys) =>
        VaultEngine.Open(new EngineOptions { DataDirectory = data, KeyCheckInterval = TimeSpan.Zero }, keys, _audit, NullLogger<VaultEngine>.Instance, TimeProvider.System);

    private async Task RestartAsync()
    {
        await _engine.DisposeAsync();
        _engine = Open(_data, _hsm);
    }

    private static async Task WriteAsync(VaultEngine engine, int first, int count)
    {
        foreach (var collection in new[] { "a", "b" })
        {
            var points = Enumerable.Range(first, count)
                .Select(i => new Point(PointId.FromNumber((ulong)i), new float[] { i, i % 7, 1, -i }, null))
                .ToList();
            await engine.UpsertAsync(Acme, collection, points, default);
        }
    }

    /// <summary>Every point of both collections, as a comparable string.</summary>
    private static string Snapshot(VaultEngine engine) => string.Join("\n", new[] { "a", "b" }.Select(collection =>
    {
        var (points, _) = engine.Scroll(Acme, collection, null, 10_000, withPayload: false, withVectors: true);
        return $"{collection}: " + string.Join(";", points.Select(p => $"{p.Id}={string.Join(",", p.Vector.ToArray())}"));
    }));

    /// <summary>Runs <paramref name="crash"/> at every wrap and check under <paramref name="newKek"/>, then lets the real HSM answer.</summary>
    private sealed class CrashingKeys(IKekService inner, KekReference newKek, Action crash) : IKekService
    {
        public byte[] Wrap(KekReference kek, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context)
        {
            if (kek == newKek)
            {
                crash();
            }

            return inner.Wrap(kek, dek, context);
        }

        public LockedBuffer Unwrap(KekReference kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context) => inner.Unwrap(kek, wrapped, context);

        public void Check(KekReference kek)
        {
            if (kek == newKek)
            {
                crash();
            }

            inner.Check(kek);
        }

        public int Destroy(KekReference kek) => inner.Destroy(kek);
    }
}
