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

/// <summary>Threat row 8 for the symmetric model: the HSM becomes unreachable and returns; the engine is never restarted while it is away.</summary>
public sealed class OutagePolicyTests : IAsyncLifetime
{
    private static readonly TenantId Warm = TenantId.Parse("warm");
    private static readonly TenantId Closed = TenantId.Parse("closed");
    private static readonly TenantId Expired = TenantId.Parse("expired");
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"vecvault-outage-{Guid.NewGuid():N}");
    private readonly UnreachableHsm _hsm;
    private readonly AuditLog _audit;
    private readonly KekReference _kek;
    private VaultEngine _engine = null!;

    public OutagePolicyTests()
    {
        SoftHsm.EnsureInitialised();
        var token = SoftHsm.CreateToken();
        token.CreateAesKey("kek");
        _kek = new KekReference(KeyModel.AesGcm, token.Label, "kek");
        _hsm = new UnreachableHsm(new Pkcs11KekService(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinProvider = _ => token.Pin }, NullLogger<Pkcs11KekService>.Instance));
        _audit = new AuditLog(_data + "-audit.log", TimeProvider.System);
    }

    public async Task InitializeAsync()
    {
        _engine = Open();
        foreach (var (id, policy, grace) in new[] { (Warm, OutagePolicy.ServeWarm, TimeSpan.FromMinutes(10)), (Closed, OutagePolicy.FailClosed, TimeSpan.Zero), (Expired, OutagePolicy.ServeWarm, TimeSpan.Zero) })
        {
            await _engine.CreateTenantAsync(new TenantSpec(id, _kek, policy, grace), default);
            await _engine.CreateCollectionAsync(id, "c", new CollectionConfig(2, Metric.Dot), default);
            await _engine.UpsertAsync(id, "c", [new Point(PointId.FromNumber(1), new float[] { 1, 0 }, null)], default);
        }
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _audit.Dispose();
        File.Delete(_audit.Path);
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Each_policy_holds_during_the_outage_and_every_tenant_recovers_when_the_hsm_returns()
    {
        _hsm.Unreachable = true;
        await _engine.CheckKeysAsync();

        Assert.Equal(1, _engine.Count(Warm, "c"));
        await _engine.UpsertAsync(Warm, "c", [new Point(PointId.FromNumber(2), new float[] { 0, 1 }, null)], default);
        Assert.Equal(ErrorCode.HsmUnavailable, Assert.Throws<VecVaultException>(() => _engine.Count(Closed, "c")).Code);
        Assert.Equal(ErrorCode.HsmUnavailable, Assert.Throws<VecVaultException>(() => _engine.Count(Expired, "c")).Code);
        Assert.Equal(TenantState.HsmUnavailable, _engine.GetTenant(Warm).State);

        _hsm.Unreachable = false;
        await _engine.CheckKeysAsync();

        Assert.Equal(2, _engine.Count(Warm, "c"));
        Assert.Equal(1, _engine.Count(Closed, "c"));
        Assert.Equal(1, _engine.Count(Expired, "c"));
        Assert.All(_engine.ListTenants(), t => Assert.Equal(TenantState.Active, t.State));
    }

    [Fact]
    public async Task A_start_while_the_hsm_is_away_is_unavailable_never_data_loss_and_loads_when_it_returns()
    {
        await _engine.DisposeAsync();
        _hsm.Unreachable = true;
        _engine = Open();

        foreach (var id in new[] { Warm, Closed, Expired })
        {
            Assert.Equal(ErrorCode.HsmUnavailable, Assert.Throws<VecVaultException>(() => _engine.Count(id, "c")).Code);
        }

        _hsm.Unreachable = false;
        await _engine.CheckKeysAsync();

        foreach (var id in new[] { Warm, Closed, Expired })
        {
            Assert.Equal(1, _engine.Count(id, "c"));
        }
    }

    private VaultEngine Open() => VaultEngine.Open(
        new EngineOptions { DataDirectory = _data, KeyCheckInterval = TimeSpan.Zero, CompactionInterval = TimeSpan.Zero }, _hsm, _audit, NullLogger<VaultEngine>.Instance, TimeProvider.System);
}
