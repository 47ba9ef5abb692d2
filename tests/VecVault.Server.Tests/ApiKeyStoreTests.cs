using VecVault.Core.Ids;
using VecVault.Server.Auth;

namespace VecVault.Server.Tests;

public sealed class ApiKeyStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"vecvault-keys-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void A_created_key_authenticates_to_its_tenant_until_revoked_and_only_its_hash_is_stored()
    {
        var store = new ApiKeyStore(_directory, TimeProvider.System);
        var (id, key) = store.Create(ApiKeyRole.Tenant, TenantId.Parse("acme"), "app");

        Assert.Equal(TenantId.Parse("acme"), store.Authenticate(key)!.Tenant);
        var onDisk = File.ReadAllText(Path.Combine(_directory, "auth", "api-keys.json"));
        Assert.DoesNotContain(key.Split('.')[2], onDisk, StringComparison.Ordinal);

        var reloaded = new ApiKeyStore(_directory, TimeProvider.System);
        Assert.Equal(ApiKeyRole.Tenant, reloaded.Authenticate(key)!.Role);
        reloaded.Revoke(id);
        Assert.Null(reloaded.Authenticate(key));
        Assert.Null(new ApiKeyStore(_directory, TimeProvider.System).Authenticate(key));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("vv1")]
    [InlineData("vv1.x.y.z")]
    [InlineData("Bearer something")]
    public void Malformed_keys_do_not_authenticate(string? key) =>
        Assert.Null(new ApiKeyStore(_directory, TimeProvider.System).Authenticate(key));

    [Fact]
    public void A_wrong_secret_for_a_real_key_id_does_not_authenticate()
    {
        var store = new ApiKeyStore(_directory, TimeProvider.System);
        var (id, _) = store.Create(ApiKeyRole.Admin, null, "admin");
        Assert.Null(store.Authenticate($"vv1.{id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        Assert.True(store.HasActiveAdminKey);
    }
}
