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

    /// <summary>Bytes this op takes in a batch.</summary>
    public int EncodedLength => 1 + PointId.MaxEncodedLength + (IsDelete ? 0 : 8 + (Vector.Length * sizeof(float)) + Payload.Length);
}
