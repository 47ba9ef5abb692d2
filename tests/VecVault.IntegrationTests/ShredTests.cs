using System.Runtime.InteropServices;
using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.IntegrationTests;

/// <summary>Threat row 7: crypto-shred. Tenant A is shredded; nothing of it can be read again, not even from a copy of its files taken before; tenant B is untouched.</summary>
public sealed class ShredTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly VaultServer _server = new();
    private readonly float[][] _canaries = [.. Enumerable.Range(0, 50).Select(i => Enumerable.Range(0, 16).Select(j => 1000.5f + (i * 16) + j).ToArray())];

    public Task InitializeAsync()
    {
        _server.Token.CreateAesKey("shred-a", "3a");
        _server.Token.CreateAesKey("shred-b", "3b");
        return _server.StartAsync();
    }

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task A_shredded_tenant_is_unreadable_after_a_restart_and_from_a_restored_backup_while_another_tenant_is_unchanged()
    {
        var keyA = await _server.CreateTenantKeyAsync("a", "shred-a");
        var keyB = await _server.CreateTenantKeyAsync("b", "shred-b");
        using (var a = _server.Connect(keyA))
        {
            await a.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = 16, Metric = Metric.L2 } });
            await a.UpsertManyAsync("c", _canaries.Select((v, i) => Points.Create((ulong)i, v)));
        }

        using (var b = _server.Connect(keyB))
        {
            await b.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = 16, Metric = Metric.L2 } });
            await b.UpsertManyAsync("c", Enumerable.Range(0, 50).Select(i => Points.Create((ulong)i, Enumerable.Repeat((float)i, 16).ToArray())));
        }

        var bBefore = await SearchBAsync(keyB);
        var backup = Path.Combine(Path.GetTempPath(), $"vecvault-backup-{Guid.NewGuid():N}");
        CrashSnapshot.Copy(Path.Combine(_server.DataDirectory, "tenants", "a"), backup);
        try
        {
            using (var admin = _server.Connect(_server.AdminKey))
            {
                var refused = await Assert.ThrowsAsync<RpcException>(() => admin.Admin.ShredTenantAsync(new ShredTenantRequest { TenantId = "a", ConfirmTenantId = "b" }).ResponseAsync);
                Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);

                var shred = await admin.Admin.ShredTenantAsync(new ShredTenantRequest { TenantId = "a", ConfirmTenantId = "a", DestroyKek = true });
                output.WriteLine($"shred: {shred.DeletedBytes} bytes removed, KEK destroyed: {shred.KekDestroyed}");
                Assert.True(shred.KekDestroyed);
                Assert.True(shred.DeletedBytes > 0);
                Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => admin.Admin.GetTenantAsync(new GetTenantRequest { Id = "a" }).ResponseAsync)).StatusCode);
            }

            Assert.DoesNotContain("shred-a", _server.Token.ListObjects(), StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(_server.DataDirectory, "tenants", "a")));
            using (var revoked = _server.Connect(keyA))
            {
                Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => revoked.Vectors.ListCollectionsAsync(new ListCollectionsRequest()).ResponseAsync)).StatusCode);
            }

            await _server.StopAsync();
            await _server.StartAsync();
            Assert.Equal(bBefore, await SearchBAsync(keyB));
            using (var admin = _server.Connect(_server.AdminKey))
            {
                Assert.DoesNotContain((await admin.Admin.ListTenantsAsync(new ListTenantsRequest())).Tenants, t => t.Id == "a");
            }

            // An attacker restores the copy taken before the shred: the files hold no plaintext, and the KEK is gone.
            await _server.StopAsync();
            CrashSnapshot.Copy(backup, Path.Combine(_server.DataDirectory, "tenants", "a"));
            Assert.Equal(0, CountCanaryHits(Path.Combine(_server.DataDirectory, "tenants", "a")));
            await _server.StartAsync();
            using (var admin = _server.Connect(_server.AdminKey))
            {
                var restored = (await admin.Admin.GetTenantAsync(new GetTenantRequest { Id = "a" })).Tenant;
                Assert.Equal(TenantState.KeyRevoked, restored.State);
                var key = await admin.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = ApiKeyRole.Tenant, TenantId = "a" });
                using var thief = _server.Connect(key.ApiKey);
                var denied = await Assert.ThrowsAsync<RpcException>(() => thief.Vectors.CountAsync(new CountRequest { Collection = "c" }).ResponseAsync);
                Assert.Equal(StatusCode.FailedPrecondition, denied.StatusCode);
            }

            Assert.Equal(bBefore, await SearchBAsync(keyB));
        }
        finally
        {
            Directory.Delete(backup, recursive: true);
        }
    }

    private int CountCanaryHits(string directory)
    {
        var hits = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            hits += _canaries.Count(canary => bytes.AsSpan().IndexOf(MemoryMarshal.AsBytes(canary.AsSpan(0, 4))) >= 0);
        }

        return hits;
    }

    private async Task<List<string>> SearchBAsync(string key)
    {
        using var b = _server.Connect(key);
        var response = await b.Vectors.SearchAsync(new SearchRequest { Collection = "c", K = 10, Vector = Points.Vector(Enumerable.Repeat(20f, 16).ToArray()), WithVectors = true });
        return [.. response.Results.Select(r => $"{r.Id.Num}:{r.Score}:{string.Join(',', r.Vector.Data)}")];
    }
}
