using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace VecVault.Client;

/// <summary>The HTTP handler of a client: a private CA for the server's certificate and a client certificate for mutual TLS.</summary>
internal static class ClientTls
{
    public static HttpMessageHandler CreateHandler(VecVaultClientOptions options)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (options.CaCertificateFile.Length > 0)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(options.CaCertificateFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is X509Certificate2 server && ChainsTo(server, roots) && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;
        }

        if (options.ClientCertificateFile.Length > 0)
        {
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(options.ClientCertificateFile, options.ClientKeyFile.Length > 0 ? options.ClientKeyFile : null)];
        }

        return handler;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
