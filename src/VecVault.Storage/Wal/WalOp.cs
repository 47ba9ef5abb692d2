using VecVault.Core.Ids;

namespace VecVault.Storage.Wal;

/// <summary>One operation in a WAL batch.</summary>
/// <param name="Id">The point.</param>
/// <param name="Vector">The vector, for an upsert; empty for a delete.</param>
/// <param name="Payload">The payload as UTF-8 JSON, for an upsert; empty when none.</param>
public readonly record struct WalOp(PointId Id, ReadOnlyMemory<float> Vector, ReadOnlyMemory<byte> Payload)
{
    /// <summary>True for a delete.</summary>
    public bool IsDelete => Vector.IsEmpty;

    /// <summary>An upsert.</summary>
    public static WalOp Upsert(PointId id, ReadOnlyMemory<float> vector, ReadOnlyMemory<byte> payload) => new(id, vector, payload);

    /// <summary>A delete.</summary>
    public static WalOp Delete(PointId id) => new(id, ReadOnlyMemory<float>.Empty, ReadOnlyMemory<byte>.Empty);

    /// <summary>Bytes this op takes in a batch, at most.</summary>
    public int EncodedLength => IsDelete ? EncodedLengthOf(0, 0) : EncodedLengthOf(Vector.Length, Payload.Length);

    /// <summary>Bytes an op takes in a batch, at most: a delete when <paramref name="dimension"/> is 0.</summary>
    public static int EncodedLengthOf(int dimension, int payloadLength) =>
        1 + PointId.MaxEncodedLength + (dimension == 0 ? 0 : 8 + (dimension * sizeof(float)) + payloadLength);
}
