using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Crypto.Keys;
using VecVault.Memory.Locked;

namespace VecVault.Crypto.Pkcs11;

/// <summary>
/// Asymmetric model: the KEK is an RSA key pair (3072 bits or more) in the HSM. New DEKs are wrapped locally with
/// the public key (RSA-OAEP), so the write path makes no HSM call; unwrap is HSM <c>C_Decrypt</c> with
/// <c>CKM_RSA_PKCS_OAEP</c>. OAEP carries no associated data here, so the wrapped DEK sits in an envelope
/// authenticated by the DEK itself: version (2) ‖ length (2, big-endian) ‖ RSA ciphertext ‖
/// HMAC-SHA256(DEK, "VVRSA1" ‖ context ‖ RSA ciphertext). An envelope moved to another context fails the HMAC.
/// </summary>
public sealed partial class Pkcs11KekService
{
    /// <summary>Smallest RSA modulus accepted, in bits.</summary>
    public const int MinimumRsaBits = 3072;

    private const byte RsaWrapFormatVersion = 2;
    private const int MacLength = 32;
    private readonly ConcurrentDictionary<KekReference, RSAParameters> _publicKeys = new();

    private byte[] WrapRsa(KekReference kek, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context)
    {
        using var rsa = RSA.Create(PublicKey(kek));
        var sealedKey = rsa.Encrypt(dek.ToArray(), OaepPadding(kek));
        var wrapped = new byte[3 + sealedKey.Length + MacLength];
        wrapped[0] = RsaWrapFormatVersion;
        BinaryPrimitives.WriteUInt16BigEndian(wrapped.AsSpan(1), (ushort)sealedKey.Length);
        sealedKey.CopyTo(wrapped, 3);
        EnvelopeMac(dek, context, sealedKey, wrapped.AsSpan(3 + sealedKey.Length));
        return wrapped;
    }

    private LockedBuffer UnwrapRsa(KekReference kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        if (wrapped.Length < 3 + MacLength || wrapped[0] != RsaWrapFormatVersion
            || BinaryPrimitives.ReadUInt16BigEndian(wrapped[1..]) != wrapped.Length - 3 - MacLength)
        {
            throw new VecVaultException(ErrorCode.DataLoss, "wrapped DEK has an unknown format");
        }

        var sealedKey = wrapped[3..^MacLength].ToArray();
        var dek = Call(kek, "unwrap", (session, key) => SecretDecryptor.DecryptOaep(session, key.ObjectId, kek.OaepHash == "sha1", sealedKey));
        Span<byte> mac = stackalloc byte[MacLength];
        EnvelopeMac(dek.Span, context, sealedKey, mac);
        if (dek.Length != DataKey.KeyLength || !CryptographicOperations.FixedTimeEquals(mac, wrapped[^MacLength..]))
        {
            dek.Dispose();
            throw new VecVaultException(ErrorCode.DataLoss, "wrapped DEK failed authentication (its envelope belongs to another context)");
        }

        return dek;
    }

    private void CheckRsa(KekReference kek)
    {
        RequireMechanism(kek, CKM.CKM_RSA_PKCS_OAEP);
        Call(kek, "check", (session, key) =>
        {
            var attributes = session.GetAttributeValue(key, [CKA.CKA_DECRYPT, CKA.CKA_KEY_TYPE]);
            if (attributes[1].GetValueAsUlong() != (ulong)CKK.CKK_RSA)
            {
                throw new Pkcs11Exception("C_GetAttributeValue", CKR.CKR_KEY_TYPE_INCONSISTENT);
            }

            return attributes[0].GetValueAsBool() ? true : throw new Pkcs11Exception("C_GetAttributeValue", CKR.CKR_KEY_FUNCTION_NOT_PERMITTED);
        });
        var bits = PublicKey(kek).Modulus!.Length * 8;
        if (bits < MinimumRsaBits)
        {
            throw new VecVaultException(ErrorCode.KeyRevoked, $"tenant key revoked or unusable: {kek} has {bits} bits; at least {MinimumRsaBits} are required");
        }
    }

    /// <summary>The KEK's public key, read once from the HSM (CKA_MODULUS, CKA_PUBLIC_EXPONENT of the public key object).</summary>
    private RSAParameters PublicKey(KekReference kek) => _publicKeys.GetOrAdd(kek, _ => Call(kek, "read public key", (session, _) =>
    {
        var factory = _module.Factories.ObjectAttributeFactory;
        List<IObjectAttribute> template =
        [
            factory.Create(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY),
            factory.Create(CKA.CKA_LABEL, kek.KeyLabel),
        ];
        if (kek.KeyIdHex.Length > 0)
        {
            template.Add(factory.Create(CKA.CKA_ID, Convert.FromHexString(kek.KeyIdHex)));
        }

        var found = session.FindAllObjects(template);
        if (found.Count != 1)
        {
            throw new VecVaultException(ErrorCode.KeyRevoked, $"tenant key revoked or unusable: {found.Count} public keys match {kek}; exactly one is needed");
        }

        var values = session.GetAttributeValue(found[0], [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT]);
        return new RSAParameters { Modulus = values[0].GetValueAsByteArray(), Exponent = values[1].GetValueAsByteArray() };
    }));

    private static RSAEncryptionPadding OaepPadding(KekReference kek) =>
        kek.OaepHash == "sha1" ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;

    private static void EnvelopeMac(ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context, ReadOnlySpan<byte> sealedKey, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, dek);
        hmac.AppendData("VVRSA1"u8);
        hmac.AppendData(context);
        hmac.AppendData(sealedKey);
        hmac.GetHashAndReset(destination);
    }
}
