using System.Security.Cryptography;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Memory.Locked;

namespace VecVault.Crypto.Keys;

/// <summary>
/// Key model <c>none</c>: NO BYOK. The DEK is stored beside the data, authenticated but not encrypted, so anyone
/// with the files can read the data. It exists only so a benchmark can measure what BYOK costs against the same
/// page encryption without an HSM. Never a default; the server enables it only when told to and says so loudly.
/// Stored form: version (0) ‖ DEK (32) ‖ HMAC-SHA256(DEK, "VVNONE" ‖ context).
/// </summary>
public sealed class NoneKekService : IKekService
{
    private const byte FormatVersion = 0;

    /// <inheritdoc />
    public byte[] Wrap(KekReference kek, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context)
    {
        var wrapped = new byte[1 + DataKey.KeyLength + 32];
        wrapped[0] = FormatVersion;
        dek.CopyTo(wrapped.AsSpan(1));
        Mac(dek, context, wrapped.AsSpan(1 + DataKey.KeyLength));
        return wrapped;
    }

    /// <inheritdoc />
    public LockedBuffer Unwrap(KekReference kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        if (wrapped.Length != 1 + DataKey.KeyLength + 32 || wrapped[0] != FormatVersion)
        {
            throw new VecVaultException(ErrorCode.DataLoss, "stored DEK has an unknown format");
        }

        var dek = wrapped.Slice(1, DataKey.KeyLength);
        Span<byte> mac = stackalloc byte[32];
        Mac(dek, context, mac);
        return CryptographicOperations.FixedTimeEquals(mac, wrapped[(1 + DataKey.KeyLength)..])
            ? LockedBuffer.CopyOf(dek)
            : throw new VecVaultException(ErrorCode.DataLoss, "stored DEK failed authentication");
    }

    /// <inheritdoc />
    public void Check(KekReference kek)
    {
        // There is no key to lose.
    }

    /// <inheritdoc />
    /// <remarks>There is no key to destroy: data under model none is readable from its files alone.</remarks>
    public int Destroy(KekReference kek) => 0;

    private static void Mac(ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, dek);
        hmac.AppendData("VVNONE"u8);
        hmac.AppendData(context);
        hmac.GetHashAndReset(destination);
    }
}
