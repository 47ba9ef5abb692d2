using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using VecVault.Memory.Locked;
using HighLevel = Net.Pkcs11Interop.HighLevelAPI80;
using LowLevel = Net.Pkcs11Interop.LowLevelAPI80;

namespace VecVault.Crypto.Pkcs11;

/// <summary>
/// <c>C_Decrypt</c> of a wrapped DEK into a buffer VecVault owns. Pkcs11Interop's high-level Decrypt sizes its output
/// by asking the module, then shrinks the array when the plaintext is shorter (AES-GCM: 48 to 32 bytes; RSA-OAEP:
/// 384 to 32), leaving an unzeroed copy of the DEK on the managed heap. Here the output is one pinned array, copied
/// into locked memory and zeroed at once, so no copy of a DEK outlives the call. It calls the low-level API (64-bit
/// CK_ULONG, Linux) of the very library instance the session belongs to: a second C_GetFunctionList may hand out
/// another, uninitialised module (p11-kit-client does).
/// </summary>
internal static class SecretDecryptor
{
    // The session's low-level library; Pkcs11Interop 5.3.0 (pinned) keeps it in this field.
    private static readonly FieldInfo SessionLibrary = typeof(HighLevel.Session).GetField("_pkcs11Library", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("this Pkcs11Interop version does not expose a session's library; pin 5.3.0");

    /// <summary>AES-GCM decrypt with the given IV and associated data (128-bit tag).</summary>
    public static LockedBuffer DecryptGcm(ISession session, ulong key, byte[] iv, byte[] aad, byte[] ciphertext)
    {
        var ivMemory = Copy(iv);
        var aadMemory = Copy(aad);
        try
        {
            var parameters = new LowLevel.MechanismParams.CK_GCM_PARAMS
            {
                Iv = ivMemory,
                IvLen = (ulong)iv.Length,
                IvBits = (ulong)iv.Length * 8,
                AAD = aadMemory,
                AADLen = (ulong)aad.Length,
                TagBits = 128,
            };
            return Decrypt(session, key, LowLevel.CkmUtils.CreateMechanism(CKM.CKM_AES_GCM, parameters), ciphertext);
        }
        finally
        {
            UnmanagedMemory.Free(ref ivMemory);
            UnmanagedMemory.Free(ref aadMemory);
        }
    }

    /// <summary>RSA-OAEP decrypt (SHA-1 or SHA-256 with the matching MGF1, no label).</summary>
    public static LockedBuffer DecryptOaep(ISession session, ulong key, bool sha1, byte[] ciphertext)
    {
        var parameters = new LowLevel.MechanismParams.CK_RSA_PKCS_OAEP_PARAMS
        {
            HashAlg = (ulong)(sha1 ? CKM.CKM_SHA_1 : CKM.CKM_SHA256),
            Mgf = (ulong)(sha1 ? CKG.CKG_MGF1_SHA1 : CKG.CKG_MGF1_SHA256),
            Source = (ulong)CKZ.CKZ_DATA_SPECIFIED,
            SourceData = IntPtr.Zero,
            SourceDataLen = 0,
        };
        return Decrypt(session, key, LowLevel.CkmUtils.CreateMechanism(CKM.CKM_RSA_PKCS_OAEP, parameters), ciphertext);
    }

    private static LockedBuffer Decrypt(ISession session, ulong key, LowLevel.CK_MECHANISM mechanism, byte[] input)
    {
        var library = (LowLevel.Pkcs11Library)SessionLibrary.GetValue(session)!;
        var output = GC.AllocateArray<byte>(input.Length, pinned: true);
        try
        {
            Check(library.C_DecryptInit(session.SessionId, ref mechanism, key), "C_DecryptInit");
            var length = (ulong)output.Length;
            Check(library.C_Decrypt(session.SessionId, input, (ulong)input.Length, output, ref length), "C_Decrypt");
            return LockedBuffer.CopyOf(output.AsSpan(0, (int)length));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
            UnmanagedMemory.Free(ref mechanism.Parameter);
        }
    }

    private static IntPtr Copy(byte[] bytes)
    {
        var memory = UnmanagedMemory.Allocate(Math.Max(1, bytes.Length));
        Marshal.Copy(bytes, 0, memory, bytes.Length);
        return memory;
    }

    private static void Check(CKR rv, string method)
    {
        if (rv != CKR.CKR_OK)
        {
            throw new Pkcs11Exception(method, rv);
        }
    }
}
