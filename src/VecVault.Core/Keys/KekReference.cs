using System.Text;
using VecVault.Core.Errors;

namespace VecVault.Core.Keys;

/// <summary>
/// Where a tenant's KEK lives: a key, found by label (and optionally CKA_ID), in a token of the configured HSM.
/// It holds no secret.
/// </summary>
/// <param name="Model">The wrapping model.</param>
/// <param name="TokenLabel">CKA_LABEL of the token.</param>
/// <param name="KeyLabel">CKA_LABEL of the key (the private key for RSA).</param>
/// <param name="KeyIdHex">CKA_ID of the key in hex, or empty.</param>
/// <param name="OaepHash">RSA-OAEP hash name ("sha256" or "sha1"); empty for other models.</param>
public sealed record KekReference(KeyModel Model, string TokenLabel, string KeyLabel, string KeyIdHex = "", string OaepHash = "")
{
    /// <summary>Longest label accepted (PKCS#11 token labels are 32 bytes; key labels are free text).</summary>
    public const int MaxLabelLength = 128;

    /// <summary>Throws <see cref="VecVaultException"/> (InvalidArgument) for a reference that cannot name a key.</summary>
    public KekReference Validate(string field = "kek")
    {
        if (!Enum.IsDefined(Model))
        {
            throw VecVaultException.Invalid($"{field}.model", "must be KEY_MODEL_AES_GCM, KEY_MODEL_RSA_OAEP or KEY_MODEL_NONE");
        }

        if (Model == KeyModel.None)
        {
            return this;
        }

        CheckLabel(TokenLabel, $"{field}.token_label");
        CheckLabel(KeyLabel, $"{field}.key_label");
        if (KeyIdHex.Length % 2 != 0 || !KeyIdHex.All(Uri.IsHexDigit))
        {
            throw VecVaultException.Invalid($"{field}.key_id_hex", "must be an even number of hex digits");
        }

        if (Model == KeyModel.RsaOaep && OaepHash is not ("sha1" or "sha256"))
        {
            throw VecVaultException.Invalid($"{field}.oaep_hash", "must be sha256 or sha1");
        }

        if (Model == KeyModel.AesGcm && OaepHash.Length != 0)
        {
            throw VecVaultException.Invalid($"{field}.oaep_hash", "applies to KEY_MODEL_RSA_OAEP only");
        }

        return this;
    }

    /// <summary>A stable byte encoding, bound into the AAD of every DEK wrapped under this KEK.</summary>
    public byte[] ToContextBytes() =>
        Encoding.UTF8.GetBytes($"{(int)Model}\n{TokenLabel}\n{KeyLabel}\n{KeyIdHex}\n{OaepHash}");

    /// <inheritdoc />
    public override string ToString() => Model == KeyModel.None ? "none" : $"{Model}:{TokenLabel}/{KeyLabel}";

    private static void CheckLabel(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxLabelLength || value.Any(char.IsControl))
        {
            throw VecVaultException.Invalid(field, $"must be 1-{MaxLabelLength} printable characters");
        }
    }
}
