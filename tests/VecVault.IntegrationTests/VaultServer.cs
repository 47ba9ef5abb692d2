using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VecVault.Client;
using VecVault.Protocol.V1;
using VecVault.Server.Hosting;
using VecVault.TestSupport;

namespace VecVault.IntegrationTests;

/// <summary>
/// A real VecVault server on loopback (Kestrel, port 0) over a real SoftHSM2 token whose KEK was made with
/// pkcs11-tool. It can be stopped and started again on the same data directory.
/// </summary>
public sealed class VaultServer : IAsyncDisposable
{
    private WebApplication? _app;

    public VaultServer(string modulePath = SoftHsm.ModulePath)
    {
        ModulePath = modulePath;
        SoftHsm.EnsureInitialised();
        Token = SoftHsm.CreateToken();
        Token.CreateAesKey(KekLabel);
        DataDirectory = Path.Combine(Path.GetTempPath(), $"vecvault-it-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
        Directory.CreateDirectory(DataDirectory);
        PinFile = Path.Combine(DataDirectory, "..", Path.GetFileName(DataDirectory) + ".pin");
        File.WriteAllText(PinFile, Token.Pin);
    }

    public const string KekLabel = "tenant-kek";

    /// <summary>How often the server checks every KEK (the server's default).</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    public SoftHsmToken Token { get; }

    /// <summary>The PKCS#11 module the server loads: SoftHSM2 itself, or p11-kit-client.so for an out-of-process HSM.</summary>
    public string ModulePath { get; }

    public string DataDirectory { get; }

    public string PinFile { get; }

    public string Address { get; private set; } = "";

    /// <summary>Where <c>/metrics</c> is served (empty when metrics are off).</summary>
    public string MetricsAddress { get; private set; } = "";

    public string AdminKey => File.ReadAllText(Path.Combine(DataDirectory, "admin.key")).Trim();

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("not started");

    /// <summary>Settings over the fixture's own, applied at the next start (e.g. <c>VecVault:Hsm:CallTimeout</c>).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public async Task StartAsync()
    {
        _app = ServerHost.Build([], configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VecVault:Listen:Port"] = "0",
            ["VecVault:Metrics:Port"] = "0",
            ["VecVault:DataDirectory"] = DataDirectory,
            ["VecVault:Hsm:ModulePath"] = ModulePath,
            ["VecVault:Hsm:PinEnvironmentVariable"] = "",
            ["VecVault:Hsm:PinFile"] = PinFile,
            ["VecVault:Keys:CheckInterval"] = CheckInterval.ToString(),
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("VECVAULT_TEST_LOG") ?? "Warning",
        }).AddInMemoryCollection(Settings));
        await _app.StartAsync();
        var endpoints = _app.Services.GetRequiredService<ServerEndpoints>();
        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Single(address => new Uri(address).Port == endpoints.GrpcEndPoint!.Port);
        MetricsAddress = endpoints.MetricsEndPoint is { } metrics ? $"http://127.0.0.1:{metrics.Port}" : "";
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public VecVaultClient Connect(string apiKey) => new(Address, apiKey);

    /// <summary>Creates a tenant bound to this fixture's KEK and returns a client holding a new tenant key.</summary>
    public async Task<VecVaultClient> CreateTenantAsync(string tenantId) => Connect(await CreateTenantKeyAsync(tenantId));

    /// <summary>Creates a tenant bound to a KEK of this fixture's token (the shared one by default) and returns a new tenant key for it.</summary>
    public Task<string> CreateTenantKeyAsync(string tenantId, string kekLabel = KekLabel) => CreateTenantKeyAsync(new CreateTenantRequest
    {
        Id = tenantId,
        Kek = new KekReference { Model = KeyModel.AesGcm, TokenLabel = Token.Label, KeyLabel = kekLabel },
    });

    /// <summary>Creates a tenant as asked and returns a new tenant key for it.</summary>
    public async Task<string> CreateTenantKeyAsync(CreateTenantRequest request)
    {
        using var admin = Connect(AdminKey);
        await admin.Admin.CreateTenantAsync(request);
        var key = await admin.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = ApiKeyRole.Tenant, TenantId = request.Id });
        return key.ApiKey;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(DataDirectory, recursive: true);
        File.Delete(PinFile);
    }
}
