using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;
using Xunit.Abstractions;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat row 5 over gRPC: a tenant's KEK is rotated, the customer destroys the old one with pkcs11-tool, and its data
/// stays readable across restarts; its data keys are rotated; a rotation to a key the HSM lacks is refused.
/// </summary>
public sealed class KeyRotationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly VaultServer _server = new();

    public Task InitializeAsync()
    {
        _server.Token.CreateAesKey("rot-1", "51");
        _server.Token.CreateAesKey("rot-2", "52");
        return _server.StartAsync();
    }

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task After_a_kek_rotation_the_old_kek_can_be_destroyed_and_every_point_stays_readable()
    {
        var key = await _server.CreateTenantKeyAsync("acme", "rot-1");
        using (var client = _server.Connect(key))
        {
            await client.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = 8, Metric = Metric.L2 } });
            await client.UpsertManyAsync("c", Enumerable.Range(0, 200).Select(i => Points.Create((ulong)i, Vector(i))));
        }

        // A second run's writes go to a second segment under a second DEK.
        await _server.StopAsync();
        await _server.StartAsync();
        using (var client = _server.Connect(key))
        {
            await client.UpsertManyAsync("c", Enumerable.Range(200, 100).Select(i => Points.Create((ulong)i, Vector(i))));
        }

        var before = await SearchAsync(key);
        using (var admin = _server.Connect(_server.AdminKey))
        {
            var missing = await Assert.ThrowsAsync<RpcException>(() => admin.Admin.RotateTenantKeyAsync(Rotation("no-such-key")).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, missing.StatusCode);
            var invalid = await Assert.ThrowsAsync<RpcException>(() => admin.Admin.RotateTenantKeyAsync(new RotateTenantKeyRequest { TenantId = "acme" }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
            Assert.Equal("new_kek", invalid.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Single().Field);

            var rotated = await admin.Admin.RotateTenantKeyAsync(Rotation("rot-2"));
            output.WriteLine($"rotated to KEK version {rotated.KekVersion}: {rotated.RewrappedDeks} DEKs rewrapped");
            Assert.Equal(2u, rotated.KekVersion);
            Assert.Equal(2ul, rotated.RewrappedDeks);
            var tenant = (await admin.Admin.GetTenantAsync(new GetTenantRequest { Id = "acme" })).Tenant;
            Assert.Equal(("rot-2", 2u), (tenant.Kek.KeyLabel, tenant.KekVersion));
        }

        // The customer destroys the old KEK; a key check passes; the tenant keeps answering, also after a restart.
        _server.Token.DeleteSecretKey("rot-1");
        await Task.Delay(VaultServer.CheckInterval * 2);
        Assert.Equal(before, await SearchAsync(key));
        await _server.StopAsync();
        await _server.StartAsync();
        Assert.Equal(before, await SearchAsync(key));

        using (var admin = _server.Connect(_server.AdminKey))
        {
            var rotated = await admin.Admin.RotateDataKeysAsync(new RotateDataKeysRequest { TenantId = "acme" });
            Assert.Equal(2ul, rotated.RotatedSegments);
            var notFound = await Assert.ThrowsAsync<RpcException>(() => admin.Admin.RotateDataKeysAsync(new RotateDataKeysRequest { TenantId = "acme", Collection = "nope" }).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, notFound.StatusCode);

            var events = new List<string>();
            await foreach (var record in admin.Admin.StreamAuditLog(new StreamAuditLogRequest { TenantId = "acme" }).ResponseStream.ReadAllAsync())
            {
                events.Add(record.Event);
            }

            Assert.Contains("rewrap", events);
            Assert.Contains("kek-rotated", events);
            Assert.Contains("deks-rotated", events);
            Assert.True((await admin.Admin.VerifyAuditLogAsync(new VerifyAuditLogRequest())).Valid);
        }

        Assert.Equal(before, await SearchAsync(key));
        await _server.StopAsync();
        await _server.StartAsync();
        Assert.Equal(before, await SearchAsync(key));
    }

    private RotateTenantKeyRequest Rotation(string keyLabel) => new()
    {
        TenantId = "acme",
        NewKek = new KekReference { Model = KeyModel.AesGcm, TokenLabel = _server.Token.Label, KeyLabel = keyLabel },
    };

    private static float[] Vector(int i) => [.. Enumerable.Range(0, 8).Select(j => (float)((i * 31) + j) % 97)];

    private async Task<List<string>> SearchAsync(string key)
    {
        using var client = _server.Connect(key);
        var response = await client.Vectors.SearchAsync(new SearchRequest { Collection = "c", K = 20, Vector = Points.Vector(Vector(7)), WithVectors = true });
        var count = await client.Vectors.CountAsync(new CountRequest { Collection = "c" });
        return [$"count={count.Count}", .. response.Results.Select(r => $"{r.Id.Num}:{r.Score}:{string.Join(',', r.Vector.Data)}")];
    }
}
