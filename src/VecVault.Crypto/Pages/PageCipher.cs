using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Crypto.Keys;

namespace VecVault.Crypto.Pages;

/// <summary>
/// Seals and opens encrypted records with AES-256-GCM under a segment's DEK.
/// Nonce: the DEK's 4-byte nonce prefix ‖ the 8-byte sequence number (both little-endian).
/// Associated data: the record header ‖ tenant id (length-prefixed UTF-8) ‖ DEK id, so a record moved to
/// another tenant, collection, segment, position or key fails authentication.
/// </summary>
public static class PageCipher
{
    /// <summary>GCM tag length.</summary>
    public const int TagLength = 16;

    /// <summary>Bytes a sealed record adds to its plaintext.</summary>
    public const int Overhead = RecordHeader.Size + TagLength;

    private const int NonceLength = 12;

    /// <summary>Seals <paramref name="plaintext"/> into a new record: header ‖ ciphertext ‖ tag.</summary>
    public static byte[] Seal(DataKey key, TenantId tenant, RecordHeader header, ReadOnlySpan<byte> plaintext)
    {
        var record = new byte[Overhead + plaintext.Length];
        header.WriteTo(record);
        Span<byte> nonce = stackalloc byte[NonceLength];
        WriteNonce(nonce, key.NoncePrefix, header.Sequence);
        var aad = AssociatedData(record.AsSpan(0, RecordHeader.Size), tenant, key.Id);
        using var gcm = new AesGcm(key.Key, TagLength);
        gcm.Encrypt(nonce, plaintext, record.AsSpan(RecordHeader.Size, plaintext.Length), record.AsSpan(record.Length - TagLength), aad);
        return record;
    }

    /// <summary>
    /// Opens a sealed record into <paramref name="destination"/> (at least <c>record.Length - Overhead</c> bytes)
    /// and returns the plaintext length. Throws <see cref="VecVaultException"/> (DataLoss) when authentication fails.
    /// </summary>
    public static int Open(DataKey key, TenantId tenant, ReadOnlySpan<byte> record, Span<byte> destination)
    {
        if (record.Length < Overhead)
        {
            throw new VecVaultException(ErrorCode.DataLoss, "record is shorter than its header and tag");
        }

        var header = record[..RecordHeader.Size];
        var sequence = BinaryPrimitives.ReadUInt64LittleEndian(header[20..]);
        Span<byte> nonce = stackalloc byte[NonceLength];
        WriteNonce(nonce, key.NoncePrefix, sequence);
        var length = record.Length - Overhead;
        var aad = AssociatedData(header, tenant, key.Id);
        try
        {
            using var gcm = new AesGcm(key.Key, TagLength);
            gcm.Decrypt(nonce, record.Slice(RecordHeader.Size, length), record[^TagLength..], destination[..length], aad);
        }
        catch (AuthenticationTagMismatchException e)
        {
            CryptographicOperations.ZeroMemory(destination[..length]);
            throw new VecVaultException(ErrorCode.DataLoss, "record failed authentication", innerException: e);
        }

        return length;
    }

    private static void WriteNonce(Span<byte> nonce, uint prefix, ulong sequence)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(nonce, prefix);
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], sequence);
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, TenantId tenant, ReadOnlySpan<byte> dekId)
    {
        var tenantLength = Encoding.UTF8.GetByteCount(tenant.Value);
        var aad = new byte[header.Length + 2 + tenantLength + dekId.Length];
        header.CopyTo(aad);
        BinaryPrimitives.WriteUInt16LittleEndian(aad.AsSpan(header.Length), (ushort)tenantLength);
        Encoding.UTF8.GetBytes(tenant.Value, aad.AsSpan(header.Length + 2));
        dekId.CopyTo(aad.AsSpan(header.Length + 2 + tenantLength));
        return aad;
    }
}
