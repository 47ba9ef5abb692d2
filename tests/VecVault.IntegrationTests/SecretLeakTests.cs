using System.Globalization;
using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;
using VecVault.TestSupport;
using Xunit.Abstractions;

namespace VecVault.IntegrationTests;

/// <summary>
/// Threat row 10: error paths are driven with canary vectors, payloads, a PIN and API keys; neither the server's log
/// (at Debug level) nor any gRPC status carries one of them.
/// </summary>
public sealed class SecretLeakTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"vecvault-leak-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task No_canary_reaches_a_log_line_or_an_error()
    {
        SoftHsm.EnsureInitialised();
        var token = SoftHsm.CreateToken();
        token.CreateAesKey("leak-kek");
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(data);
        var pinFile = Path.Combine(_root, "pin");
        File.WriteAllText(pinFile, token.Pin);
        const float Canary = 31337.4296875f;
        const string PayloadCanary = "payload-canary-5c1f";
        var errors = new List<string>();

        using var server = await ServerProcess.StartAsync(data, pinFile, logLevel: "Debug");
        using var admin = new VecVaultClient(server.Address, File.ReadAllText(Path.Combine(data, "admin.key")).Trim());
        await admin.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "leak", Kek = new KekReference { Model = KeyModel.AesGcm, TokenLabel = token.Label, KeyLabel = "leak-kek" } });
        var apiKey = (await admin.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = ApiKeyRole.Tenant, TenantId = "leak" })).ApiKey;
        using var tenant = new VecVaultClient(server.Address, apiKey);
        await tenant.Vectors.CreateCollectionAsync(new CreateCollectionRequest { Name = "c", Config = new CollectionConfig { Dimension = 4, Metric = Metric.L2 } });
        var good = Points.Create(1, [Canary, Canary, Canary, Canary]);
        good.Payload["secret"] = new Value { StringValue = PayloadCanary };
        await tenant.Vectors.UpsertAsync(new UpsertRequest { Collection = "c", Points = { good } });

        var forgedKey = $"vv1.{apiKey.Split('.')[1]}.forged-secret-canary";
        using var forged = new VecVaultClient(server.Address, forgedKey);
        var nan = Points.Create(2, [Canary, float.NaN, Canary, Canary]);
        nan.Payload["secret"] = new Value { StringValue = PayloadCanary };
        var deep = new Value { StringValue = PayloadCanary };
        for (var i = 0; i < 40; i++)
        {
            deep = new Value { ListValue = new ListValue { Values = { deep } } };
        }

        var tooDeep = Points.Create(3, [Canary, Canary, Canary, Canary]);
        tooDeep.Payload["deep"] = deep;
        var calls = new Func<Task>[]
        {
            () => tenant.Vectors.UpsertAsync(new UpsertRequest { Collection = "c", Points = { nan } }).ResponseAsync,
            () => tenant.Vectors.UpsertAsync(new UpsertRequest { Collection = "c", Points = { tooDeep } }).ResponseAsync,
            () => tenant.Vectors.UpsertAsync(new UpsertRequest { Collection = "c", Points = { Points.Create(4, [Canary, Canary]) } }).ResponseAsync,
            () => tenant.Vectors.SearchAsync(new SearchRequest { Collection = "c", K = 1, Vector = Points.Vector([Canary, Canary, Canary]) }).ResponseAsync,
            () => tenant.Vectors.SearchAsync(new SearchRequest { Collection = "c", K = 100_000, Vector = Points.Vector([Canary, Canary, Canary, Canary]) }).ResponseAsync,
            () => tenant.Vectors.GetAsync(new GetPointsRequest { Collection = "c", Ids = { new PointId { Uuid = PayloadCanary } } }).ResponseAsync,
            () => tenant.Vectors.SearchAsync(new SearchRequest { Collection = "missing", K = 1, Vector = Points.Vector([Canary, Canary, Canary, Canary]) }).ResponseAsync,
            () => forged.Vectors.ListCollectionsAsync(new ListCollectionsRequest()).ResponseAsync,
            () => tenant.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync,
            () => admin.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "leak2", Kek = new KekReference { Model = KeyModel.AesGcm, TokenLabel = token.Label, KeyLabel = "no-such-key" } }).ResponseAsync,
        };
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            errors.Add($"{error.StatusCode}: {error.Status.Detail} {string.Join(' ', error.Trailers.Select(t => t.IsBinary ? Convert.ToBase64String(t.ValueBytes) : t.Value))}");
            if (error.GetRpcStatus() is { } status)
            {
                errors.Add(status.ToString());
            }
        }

        // Revocation: the customer deletes the KEK; the server notices and denies.
        token.DeleteSecretKey("leak-kek");
        await Task.Delay(VaultServer.CheckInterval * 2);
        errors.Add((await Assert.ThrowsAsync<RpcException>(() => tenant.Vectors.CountAsync(new CountRequest { Collection = "c" }).ResponseAsync)).Status.Detail);

        await Task.Delay(500);
        var log = server.Output;
        var everything = log + "\n" + string.Join("\n", errors);
        string[] canaries =
        [
            Canary.ToString(CultureInfo.InvariantCulture), "31337.43", "31337,43", PayloadCanary, token.Pin, apiKey.Split('.')[2], "forged-secret-canary",
        ];
        output.WriteLine($"checked {log.Split('\n').Length} log lines and {errors.Count} error statuses for {canaries.Length} canaries");
        foreach (var canary in canaries)
        {
            Assert.DoesNotContain(canary, everything, StringComparison.Ordinal);
        }

        Assert.Contains("revoked", everything, StringComparison.Ordinal);
    }
}
