using System.Buffers.Binary;

namespace VecVault.Core.Ids;

/// <summary>
/// A point id: an unsigned 64-bit number or a UUID. Numbers order before UUIDs; each kind orders by value.
/// </summary>
public readonly record struct PointId : IComparable<PointId>
{
    private readonly ulong _number;
    private readonly Guid _uuid;

    private PointId(ulong number, Guid uuid, bool isUuid)
    {
        _number = number;
        _uuid = uuid;
        IsUuid = isUuid;
    }

    /// <summary>Size of the longest encoding written by <see cref="WriteTo"/>.</summary>
    public const int MaxEncodedLength = 17;

    /// <summary>True for a UUID id, false for a numeric id.</summary>
    public bool IsUuid { get; }

    /// <summary>The numeric value; only meaningful when <see cref="IsUuid"/> is false.</summary>
    public ulong Number => _number;

    /// <summary>The UUID value; only meaningful when <see cref="IsUuid"/> is true.</summary>
    public Guid Uuid => _uuid;

    /// <summary>A numeric id.</summary>
    public static PointId FromNumber(ulong number) => new(number, Guid.Empty, isUuid: false);

    /// <summary>A UUID id.</summary>
    public static PointId FromUuid(Guid uuid) => new(0, uuid, isUuid: true);

    /// <summary>Writes the id as a kind byte followed by 8 (number) or 16 (UUID, big-endian) bytes; returns the length.</summary>
    public int WriteTo(Span<byte> destination)
    {
        if (IsUuid)
        {
            destination[0] = 1;
            _uuid.TryWriteBytes(destination.Slice(1, 16), bigEndian: true, out _);
            return 17;
        }

        destination[0] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(1, 8), _number);
        return 9;
    }

    /// <summary>Reads an id written by <see cref="WriteTo"/>; returns false on a malformed encoding.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out PointId id, out int length)
    {
        id = default;
        length = 0;
        if (source.IsEmpty)
        {
            return false;
        }

        switch (source[0])
        {
            case 0 when source.Length >= 9:
                id = FromNumber(BinaryPrimitives.ReadUInt64LittleEndian(source.Slice(1, 8)));
                length = 9;
                return true;
            case 1 when source.Length >= 17:
                id = FromUuid(new Guid(source.Slice(1, 16), bigEndian: true));
                length = 17;
                return true;
            default:
                return false;
        }
    }

    /// <inheritdoc />
    public int CompareTo(PointId other)
    {
        if (IsUuid != other.IsUuid)
        {
            return IsUuid ? 1 : -1;
        }

        return IsUuid ? _uuid.CompareTo(other._uuid) : _number.CompareTo(other._number);
    }

    /// <inheritdoc />
    public override string ToString() => IsUuid ? _uuid.ToString("D") : _number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
