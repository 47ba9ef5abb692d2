using VecVault.Core.Errors;
using VecVault.Core.Tenants;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>Crypto-shred when the customer has deleted the KEK already: nothing left to destroy, everything else done.</summary>
public sealed class ShredTests(ITestOutputHelper output) : TenantFixture(output)
{
    [Fact]
    public async Task A_tenant_whose_kek_the_customer_deleted_is_shredded_all_the_same()
    {
        _token.DeleteSecretKey("kek-1");
        await _engine.CheckKeysAsync();
        Assert.Equal(TenantState.KeyRevoked, _engine.GetTenant(Acme).State);

        var (bytes, destroyed) = await _engine.ShredTenantAsync(Acme, destroyKek: true, default);
        _output.WriteLine($"shred of a revoked tenant: {bytes} bytes removed, {destroyed} HSM objects destroyed");
        Assert.True(bytes > 0);
        Assert.Equal(0, destroyed);
        Assert.False(Directory.Exists(Path.Combine(_data, "tenants", "acme")));
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<VecVaultException>(() => _engine.GetTenant(Acme)).Code);

        await RestartAsync();
        Assert.False(_engine.TenantExists(Acme));
    }
}
