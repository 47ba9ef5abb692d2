using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using VecVault.Server.Options;

namespace VecVault.Server.Hosting;

/// <summary>TLS and mutual TLS for the gRPC listener, from certificate files.</summary>
public static class ServerTls
{
    /// <summary>Turns on TLS for <paramref name="listen"/> when <paramref name="tls"/> names a certificate; with a client CA, client certificates are required and must chain to it.</summary>
    public static void Apply(ListenOptions listen, VecVaultOptions.TlsOptions tls)
    {
        if (tls.CertificateFile.Length == 0)
        {
            if (tls.ClientCaFile.Length > 0)
            {
                throw new InvalidOperationException("VecVault:Listen:Tls:ClientCaFile needs VecVault:Listen:Tls:CertificateFile (mutual TLS needs TLS)");
            }

            return;
        }

        var certificate = LoadCertificate(tls);
        listen.UseHttps(https =>
        {
            https.ServerCertificate = certificate;
            if (tls.ClientCaFile.Length == 0)
            {
                return;
            }

            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(tls.ClientCaFile);
            if (roots.Count == 0)
            {
                throw new InvalidOperationException($"no CA certificate in {tls.ClientCaFile}");
            }

            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (client, _, _) => ChainsTo(client, roots);
        });
    }

    private static X509Certificate2 LoadCertificate(VecVaultOptions.TlsOptions tls)
    {
        if (tls.KeyFile.Length > 0)
        {
            return X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile);
        }

        return Path.GetExtension(tls.CertificateFile).ToLowerInvariant() is ".pem" or ".crt"
            ? X509Certificate2.CreateFromPemFile(tls.CertificateFile)
            : X509CertificateLoader.LoadPkcs12FromFile(tls.CertificateFile, password: null);
    }

    private static bool ChainsTo(X509Certificate2 client, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(client);
    }
}
