using System.Buffers.Binary;

namespace VecVault.Crypto.Pages;

/// <summary>
/// The 28-byte header that starts every record in a tenant's log (format version 1):
/// <code>
/// offset size field
///   0     1   format version (1)
///   1     1   record kind
///   2     2   reserved, zero
///   4     8   collection id   (little-endian; 0 for tenant records)
///  12     8   segment id      (little-endian; 0 when not in a segment)
///  20     8   sequence number (little-endian; per segment, strictly increasing)
/// </code>
/// For encrypted kinds the header is part of the associated data, so none of it can be altered.
/// </summary>
/// <param name="Kind">Record kind.</param>
/// <param name="CollectionId">Collection the record belongs to.</param>
/// <param name="SegmentId">Segment the record belongs to.</param>
/// <param name="Sequence">Sequence number within the segment.</param>
public readonly record struct RecordHeader(RecordKind Kind, ulong CollectionId, ulong SegmentId, ulong Sequence)
{
    /// <summary>Encoded size.</summary>
    public const int Size = 28;

    /// <summary>The format version this code writes and reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        destination[0] = FormatVersion;
        destination[1] = (byte)Kind;
        destination[2] = 0;
        destination[3] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[4..], CollectionId);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[12..], SegmentId);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[20..], Sequence);
    }

    /// <summary>Reads a header; false when the record is too short, of another version or of an unknown kind.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out RecordHeader header)
    {
        header = default;
        if (record.Length < Size || record[0] != FormatVersion || record[2] != 0 || record[3] != 0
            || !Enum.IsDefined((RecordKind)record[1]))
        {
            return false;
        }

        header = new RecordHeader(
            (RecordKind)record[1],
            BinaryPrimitives.ReadUInt64LittleEndian(record[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(record[12..]),
            BinaryPrimitives.ReadUInt64LittleEndian(record[20..]));
        return true;
    }
}
