using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.IntegrationTests;

/// <summary>TLS and mutual TLS on the gRPC port, throttled failed authentication, and the client's retries on UNAVAILABLE only.</summary>
public sealed class TransportSecurityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vecvault-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Tls_serves_clients_that_trust_its_ca_and_mutual_tls_refuses_clients_without_a_certificate_from_its_ca()
    {
        using var ca = CreateCa("VecVault test CA");
        using var otherCa = CreateCa("Someone else's CA");
        var serverPem = WriteLeaf(ca, "server", server: true);
        var clientPem = WriteLeaf(ca, "client", server: false);
        var strangerPem = WriteLeaf(otherCa, "stranger", server: false);
        var caFile = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(caFile, ca.ExportCertificatePem());

        await using var server = new VaultServer();
        server.Settings["VecVault:Listen:Tls:CertificateFile"] = serverPem.Certificate;
        server.Settings["VecVault:Listen:Tls:KeyFile"] = serverPem.Key;
        await server.StartAsync();
        Assert.StartsWith("https://", server.Address, StringComparison.Ordinal);
        using (var admin = new VecVaultClient(server.Address, server.AdminKey, new VecVaultClientOptions { CaCertificateFile = caFile, MaxAttempts = 1 }))
        {
            await admin.Admin.ListTenantsAsync(new ListTenantsRequest());
        }

        // A client that does not trust the server's CA refuses the connection.
        using (var untrusting = new VecVaultClient(server.Address, server.AdminKey, new VecVaultClientOptions { MaxAttempts = 1 }))
        {
            await Assert.ThrowsAsync<RpcException>(() => untrusting.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync);
        }

        await server.StopAsync();
        server.Settings["VecVault:Listen:Tls:ClientCaFile"] = caFile;
        await server.StartAsync();
        using (var admin = new VecVaultClient(server.Address, server.AdminKey, new VecVaultClientOptions { CaCertificateFile = caFile, ClientCertificateFile = clientPem.Certificate, ClientKeyFile = clientPem.Key, MaxAttempts = 1 }))
        {
            await admin.Admin.ListTenantsAsync(new ListTenantsRequest());
        }

        foreach (var options in new[]
        {
            new VecVaultClientOptions { CaCertificateFile = caFile, MaxAttempts = 1 },
            new VecVaultClientOptions { CaCertificateFile = caFile, ClientCertificateFile = strangerPem.Certificate, ClientKeyFile = strangerPem.Key, MaxAttempts = 1 },
        })
        {
            using var refused = new VecVaultClient(server.Address, server.AdminKey, options);
            var error = await Assert.ThrowsAsync<RpcException>(() => refused.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync);
            // Under TLS 1.3 the client may learn of the rejection only when it reads the response.
            Assert.True(error.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"{error.StatusCode}: {error.Status.Detail}");
        }
    }

    [Fact]
    public async Task Repeated_failed_authentication_is_throttled_audited_and_lifts_when_the_window_ends()
    {
        await using var server = new VaultServer();
        server.Settings["VecVault:Auth:MaxFailures"] = "3";
        server.Settings["VecVault:Auth:FailureWindow"] = "00:00:02";
        await server.StartAsync();
        using var guesser = server.Connect("vv1.0000000000000000.guess");
        for (var i = 0; i < 3; i++)
        {
            var denied = await Assert.ThrowsAsync<RpcException>(() => guesser.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, denied.StatusCode);
        }

        // Past the limit every call from the address is refused, a valid key too: a guess cannot be told right.
        using var admin = server.Connect(server.AdminKey);
        var throttled = await Assert.ThrowsAsync<RpcException>(() => guesser.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, throttled.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, (await Assert.ThrowsAsync<RpcException>(() => admin.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync)).StatusCode);

        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await admin.Admin.ListTenantsAsync(new ListTenantsRequest());
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }

        var events = new List<string>();
        using (var call = admin.Admin.StreamAuditLog(new StreamAuditLogRequest { FromSequence = 1 }))
        {
            await foreach (var record in call.ResponseStream.ReadAllAsync())
            {
                events.Add(record.Event);
            }
        }

        Assert.Equal(3, events.Count(e => e == "access-denied"));
        Assert.Single(events, e => e == "access-throttled");
    }

    [Fact]
    public async Task The_client_retries_unavailable_until_the_server_is_up_and_nothing_else()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var server = new VaultServer();
        server.Settings["VecVault:Listen:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await server.StartAsync();
        var adminKey = server.AdminKey;
        await server.StopAsync();

        var options = new VecVaultClientOptions { MaxAttempts = 5, InitialBackoff = TimeSpan.FromMilliseconds(500) };
        using var admin = new VecVaultClient($"http://127.0.0.1:{port}", adminKey, options);
        var call = admin.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync;
        await Task.Delay(300);
        await server.StartAsync();
        await call;

        // INVALID_ARGUMENT is not retried: the server counts exactly one call.
        using var tenant = new VecVaultClient($"http://127.0.0.1:{port}", await server.CreateTenantKeyAsync("acme"), options);
        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.Vectors.GetCollectionAsync(new GetCollectionRequest { Name = "" }).ResponseAsync);
        Assert.NotEqual(StatusCode.Unavailable, error.StatusCode);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"{server.MetricsAddress}/metrics");
        Assert.Contains($"vecvault_rpc_calls_total{{method=\"VectorService/GetCollection\",code=\"{error.StatusCode}\"}} 1\n", metrics, StringComparison.Ordinal);
    }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private (string Certificate, string Key) WriteLeaf(X509Certificate2 ca, string name, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        // The CA's own validity: a leaf may not outlive its issuer, and "now" read again may be a second later.
        using var certificate = request.Create(ca, ca.NotBefore, ca.NotAfter, RandomNumberGenerator.GetBytes(8));
        var paths = (Path.Combine(_directory, $"{name}.crt.pem"), Path.Combine(_directory, $"{name}.key.pem"));
        File.WriteAllText(paths.Item1, certificate.ExportCertificatePem());
        File.WriteAllText(paths.Item2, key.ExportPkcs8PrivateKeyPem());
        return paths;
    }
}
