using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.IntegrationTests;

/// <summary>The hash-chained audit log of key operations, read and verified over AdminService.</summary>
public sealed class AuditTests : IAsyncLifetime
{
    private readonly VaultServer _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Key_operations_are_audited_the_chain_verifies_and_an_edit_is_found()
    {
        var apiKey = await _server.CreateTenantKeyAsync("audited");
        using (var tenant = _server.Connect(apiKey))
        {
            await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = 2, Metric = Metric.Dot } });
            await tenant.Vectors.UpsertAsync(new UpsertRequest { Collection = "c", Points = { Points.Create(1, [1, 2]) } });
            await Assert.ThrowsAsync<RpcException>(() => tenant.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync);
        }

        await _server.StopAsync();
        await _server.StartAsync();

        using var admin = _server.Connect(_server.AdminKey);
        var records = new List<AuditRecord>();
        using (var call = admin.Admin.StreamAuditLog(new StreamAuditLogRequest { FromSequence = 1 }))
        {
            await foreach (var record in call.ResponseStream.ReadAllAsync())
            {
                records.Add(record);
            }
        }

        var events = records.Select(r => r.Event).ToList();
        Assert.Equal(["tenant-created", "wrap", "access-denied", "unwrap"], events);
        Assert.Equal(records.Select((_, i) => (ulong)i + 1), records.Select(r => r.Sequence));
        Assert.All(records.Skip(1).Zip(records), pair => Assert.Equal(pair.Second.Hash, pair.First.PreviousHash));
        Assert.Equal(records[1].Details["dek_id"], records[3].Details["dek_id"]);
        var everything = string.Join("\n", records.Select(r => r.ToString()));
        Assert.DoesNotContain(apiKey.Split('.')[2], everything, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Token.Pin, everything, StringComparison.Ordinal);

        var verified = await admin.Admin.VerifyAuditLogAsync(new VerifyAuditLogRequest());
        Assert.True(verified.Valid);
        Assert.Equal(4UL, verified.Records);

        await _server.StopAsync();
        var path = Path.Combine(_server.DataDirectory, "audit", "audit.log");
        var lines = File.ReadAllLines(path);
        lines[1] = lines[1].Replace("\"wrap\"", "\"unwrap\"", StringComparison.Ordinal);
        File.WriteAllLines(path, lines);
        await _server.StartAsync();

        using var again = _server.Connect(_server.AdminKey);
        var broken = await again.Admin.VerifyAuditLogAsync(new VerifyAuditLogRequest());
        Assert.False(broken.Valid);
        Assert.Equal(2UL, broken.FirstBadSequence);
    }
}
