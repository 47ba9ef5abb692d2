using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Core.Tenants;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>KEK rotation (threat row 5) over a real SoftHSM2 token: rewrap only, atomic, across restarts, crash-safe.</summary>
public sealed class KekRotationTests(ITestOutputHelper output) : TenantFixture(output)
{
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
        await ReportHsmLatencyAsync();
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
        _engine = Open(_data, new CrashingKeys(_hsm, second, () => CrashCopy(_data)));
        await _engine.RotateTenantKeyAsync(Acme, second, default);
        CrashCopy(_data);
        await _engine.DisposeAsync();
        var crashes = _crashes.ToList();
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
            _engine = Open(_data, _hsm);
        }
    }


    /// <summary>Prints the HSM latency the audit log recorded per key operation (AES-GCM in SoftHSM2 here).</summary>
    private async Task ReportHsmLatencyAsync()
    {
        var latencies = new Dictionary<string, List<double>>();
        await foreach (var record in _audit.ReadAsync(0, follow: false))
        {
            if (record.Details.TryGetValue("hsm_ms", out var ms))
            {
                (latencies.TryGetValue(record.Event, out var list) ? list : latencies[record.Event] = []).Add(double.Parse(ms, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        Assert.Contains("rewrap", latencies.Keys);
        _output.WriteLine("HSM latency per operation (audit hsm_ms): " + string.Join("; ", latencies.Select(l => $"{l.Key}: median {l.Value.Order().ElementAt(l.Value.Count / 2):F3} ms over {l.Value.Count}")));
    }
}
