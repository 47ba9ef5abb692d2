using VecVault.Protocol.V1;
using VecVault.TestSupport;

namespace VecVault.Bench.Byok;

/// <summary>
/// How a tenant's KEK is held in one run of the workload: no BYOK at all (the baseline), a symmetric or asymmetric
/// KEK in SoftHSM2 loaded by the server, or the asymmetric KEK behind <c>p11-kit server</c>, an HSM in another
/// process (Debian 12's p11-kit forwards RSA but not AES-GCM, so the remote mode is RSA only).
/// </summary>
/// <param name="Name">The mode's name in options and reports.</param>
/// <param name="Model">The tenant's key model.</param>
/// <param name="Remote">True when the server reaches the HSM through p11-kit.</param>
internal sealed record KeyMode(string Name, KeyModel Model, bool Remote)
{
    /// <summary>Every mode, the baseline first.</summary>
    public static readonly IReadOnlyList<KeyMode> All =
    [
        new("none", KeyModel.None, Remote: false),
        new("pkcs11-aes", KeyModel.AesGcm, Remote: false),
        new("pkcs11-rsa", KeyModel.RsaOaep, Remote: false),
        new("pkcs11-remote", KeyModel.RsaOaep, Remote: true),
    ];

    /// <summary>True when there is a key in an HSM to revoke.</summary>
    public bool HasHsmKey => Model != KeyModel.None;

    /// <summary>The PKCS#11 module the server (and the in-process engine) loads.</summary>
    public string ModulePath => Remote ? P11KitServer.ClientModule : SoftHsm.ModulePath;

    /// <summary>The KEK's label on the token: one key per mode, since revoking it ends the mode's run.</summary>
    public string KeyLabel => $"kek-{Name}";

    /// <summary>Creates the mode's KEK on <paramref name="token"/> with pkcs11-tool, as a customer's admin would.</summary>
    public void CreateKey(SoftHsmToken token, string idHex)
    {
        if (Model == KeyModel.AesGcm)
        {
            token.CreateAesKey(KeyLabel, idHex);
        }
        else if (Model == KeyModel.RsaOaep)
        {
            token.CreateRsaKeyPair(KeyLabel, idHex);
        }
    }

    /// <summary>Deletes the KEK (the private key of a pair) with pkcs11-tool: the customer revokes.</summary>
    public void RevokeKey(SoftHsmToken token)
    {
        if (Model == KeyModel.AesGcm)
        {
            token.DeleteSecretKey(KeyLabel);
        }
        else if (Model == KeyModel.RsaOaep)
        {
            token.DeletePrivateKey(KeyLabel);
        }
    }

    /// <summary>The tenant's KEK reference on <paramref name="token"/>.</summary>
    public Protocol.V1.KekReference Kek(SoftHsmToken token) => Model switch
    {
        KeyModel.None => new Protocol.V1.KekReference { Model = KeyModel.None },
        KeyModel.RsaOaep => new Protocol.V1.KekReference { Model = Model, TokenLabel = token.Label, KeyLabel = KeyLabel, OaepHash = "sha1" },
        _ => new Protocol.V1.KekReference { Model = Model, TokenLabel = token.Label, KeyLabel = KeyLabel },
    };
}
