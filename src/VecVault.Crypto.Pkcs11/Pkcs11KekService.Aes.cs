using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Crypto.Keys;
using VecVault.Memory.Locked;

namespace VecVault.Crypto.Pkcs11;

/// <summary>
/// Symmetric model: <c>C_Encrypt</c>/<c>C_Decrypt</c> with <c>CKM_AES_GCM</c>, a random 96-bit IV per wrap and the
/// DEK context as associated data. Wrapped form: version (1) ‖ IV (12) ‖ ciphertext (32) ‖ tag (16).
/// </summary>
public sealed partial class Pkcs11KekService
{
    private const byte AesWrapFormatVersion = 1;
    private const int IvLength = 12;
    private const int TagBits = 128;

    private byte[] WrapAes(KekReference kek, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context)
    {
        var iv = new byte[IvLength];
        RandomNumberGenerator.Fill(iv);
        var plain = dek.ToArray();
        var aad = context.ToArray();
        try
        {
            var sealedKey = Call(kek, "wrap", (session, key) =>
            {
                var mechanism = GcmMechanism(iv, aad);
                return session.Encrypt(mechanism, key, plain);
            });
            var wrapped = new byte[1 + IvLength + sealedKey.Length];
            wrapped[0] = AesWrapFormatVersion;
            iv.CopyTo(wrapped, 1);
            sealedKey.CopyTo(wrapped, 1 + IvLength);
            return wrapped;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private LockedBuffer UnwrapAes(KekReference kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        if (wrapped.Length != 1 + IvLength + DataKey.KeyLength + TagBits / 8 || wrapped[0] != AesWrapFormatVersion)
        {
            throw new VecVaultException(ErrorCode.DataLoss, "wrapped DEK has an unknown format");
        }

        var iv = wrapped.Slice(1, IvLength).ToArray();
        var sealedKey = wrapped[(1 + IvLength)..].ToArray();
        var aad = context.ToArray();
        var dek = Call(kek, "unwrap", (session, key) => SecretDecryptor.DecryptGcm(session, key.ObjectId, iv, aad, sealedKey));
        if (dek.Length != DataKey.KeyLength)
        {
            dek.Dispose();
            throw new VecVaultException(ErrorCode.DataLoss, "unwrapped DEK has the wrong length");
        }

        return dek;
    }

    private void CheckAes(KekReference kek)
    {
        RequireMechanism(kek, CKM.CKM_AES_GCM);
        Call(kek, "check", (session, key) =>
        {
            var attributes = session.GetAttributeValue(key, [CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT, CKA.CKA_KEY_TYPE]);
            if (attributes[2].GetValueAsUlong() != (ulong)CKK.CKK_AES)
            {
                throw new Pkcs11Exception("C_GetAttributeValue", CKR.CKR_KEY_TYPE_INCONSISTENT);
            }

            if (!attributes[0].GetValueAsBool() || !attributes[1].GetValueAsBool())
            {
                throw new Pkcs11Exception("C_GetAttributeValue", CKR.CKR_KEY_FUNCTION_NOT_PERMITTED);
            }

            return true;
        });
    }

    private IMechanism GcmMechanism(byte[] iv, byte[] aad)
    {
        var factories = _module.Factories;
        var parameters = factories.MechanismParamsFactory.CreateCkGcmParams(iv, IvLength * 8, aad, TagBits);
        return factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
    }
}
