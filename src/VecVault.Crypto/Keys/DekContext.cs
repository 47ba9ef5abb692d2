using System.Buffers.Binary;
using System.Text;
using VecVault.Core.Ids;
using VecVault.Core.Keys;

namespace VecVault.Crypto.Keys;

/// <summary>
/// The associated data bound to a wrapped DEK: format version, tenant, collection, segment, DEK id, KEK
/// reference and version, and a digest of the collection's configuration. A wrapped DEK moved to any
/// other context fails to unwrap.
/// </summary>
public static class DekContext
{
    /// <summary>Version of this encoding.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Encodes the context.</summary>
    public static byte[] Encode(
        TenantId tenant,
        ulong collectionId,
        ulong segmentId,
        ReadOnlySpan<byte> dekId,
        KekReference kek,
        uint kekVersion,
        ReadOnlySpan<byte> collectionConfigDigest)
    {
        var tenantBytes = Encoding.UTF8.GetBytes(tenant.Value);
        var kekBytes = kek.ToContextBytes();
        using var stream = new MemoryStream();
        Span<byte> scratch = stackalloc byte[8];
        stream.Write("VVDEK"u8);
        stream.WriteByte(FormatVersion);
        WriteLengthPrefixed(stream, tenantBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(scratch, collectionId);
        stream.Write(scratch);
        BinaryPrimitives.WriteUInt64LittleEndian(scratch, segmentId);
        stream.Write(scratch);
        WriteLengthPrefixed(stream, dekId);
        WriteLengthPrefixed(stream, kekBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, kekVersion);
        stream.Write(scratch[..4]);
        WriteLengthPrefixed(stream, collectionConfigDigest);
        return stream.ToArray();
    }

    /// <summary>SHA-256 of a collection's identity and shape (id, name, dimension, metric), bound into every DEK wrapped for it.</summary>
    public static byte[] CollectionDigest(ulong collectionId, string name, int dimension, string metric) =>
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{collectionId}\n{name}\n{dimension}\n{metric}"));

    private static void WriteLengthPrefixed(Stream stream, ReadOnlySpan<byte> bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }
}
