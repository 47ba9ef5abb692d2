using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VecVault.Core.Errors;
using VecVault.Core.Ids;

namespace VecVault.Storage.Wal;

/// <summary>
/// The plaintext of a WAL batch record (it is sealed before it reaches the log):
/// <code>
/// u32 op count
/// per op: u8 kind (1 upsert, 2 delete) ‖ point id ‖ [upsert: u32 dimension ‖ float32[dimension] ‖ u32 payload length ‖ payload JSON]
/// </code>
/// All integers and floats little-endian.
/// </summary>
public static class WalBatch
{
    /// <summary>Op kind of an upsert.</summary>
    internal const byte UpsertKind = 1;

    /// <summary>Op kind of a delete.</summary>
    internal const byte DeleteKind = 2;

    /// <summary>Splits <paramref name="ops"/> into batches of at most <paramref name="maxBytes"/> encoded bytes each.</summary>
    public static List<byte[]> EncodeChunked(IReadOnlyList<WalOp> ops, int maxBytes)
    {
        var batches = new List<byte[]>();
        var start = 0;
        while (start < ops.Count)
        {
            var size = 4;
            var end = start;
            while (end < ops.Count && (end == start || size + ops[end].EncodedLength <= maxBytes))
            {
                size += ops[end].EncodedLength;
                end++;
            }

            if (size > maxBytes)
            {
                throw new VecVaultException(ErrorCode.ResourceExhausted, $"one point encodes to {size} bytes, more than a WAL record holds ({maxBytes})", "points");
            }

            batches.Add(Encode(ops, start, end, size));
            start = end;
        }

        return batches;
    }

    /// <summary>
    /// Walks a batch and hands each op to <paramref name="visitor"/>, with the vector and payload as spans over
    /// <paramref name="batch"/>: nothing is copied, so plaintext held in locked memory stays there. Throws DataLoss when
    /// the batch is malformed (it was authenticated, so that is a bug or a format mismatch).
    /// </summary>
    public static void Replay(ReadOnlySpan<byte> batch, IWalVisitor visitor)
    {
        try
        {
            var count = BinaryPrimitives.ReadInt32LittleEndian(batch);
            var at = 4;
            for (var i = 0; i < count; i++)
            {
                var kind = batch[at++];
                if (!PointId.TryRead(batch[at..], out var id, out var idLength))
                {
                    throw new FormatException("bad point id");
                }

                at += idLength;
                if (kind == DeleteKind)
                {
                    visitor.Delete(id);
                    continue;
                }

                if (kind != UpsertKind)
                {
                    throw new FormatException("bad op kind");
                }

                var dimension = BinaryPrimitives.ReadInt32LittleEndian(batch[at..]);
                at += 4;
                var vector = MemoryMarshal.Cast<byte, float>(batch.Slice(at, dimension * sizeof(float)));
                at += dimension * sizeof(float);
                var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(batch[at..]);
                at += 4;
                visitor.Upsert(id, vector, batch.Slice(at, payloadLength));
                at += payloadLength;
            }

            if (at != batch.Length)
            {
                throw new FormatException("trailing bytes");
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new VecVaultException(ErrorCode.DataLoss, "a WAL batch does not decode", innerException: e);
        }
    }

    /// <summary>Decodes a batch into ops holding copies (for tests and tools; recovery uses <see cref="Replay"/>).</summary>
    public static List<WalOp> Decode(ReadOnlySpan<byte> batch)
    {
        var collector = new Collector();
        Replay(batch, collector);
        return collector.Ops;
    }

    private static byte[] Encode(IReadOnlyList<WalOp> ops, int start, int end, int size)
    {
        var buffer = new byte[size];
        var writer = new WalBatchWriter(buffer);
        for (var i = start; i < end; i++)
        {
            var op = ops[i];
            _ = op.IsDelete ? writer.TryAddDelete(op.Id) : writer.TryAddUpsert(op.Id, op.Vector.Span, op.Payload.Span);
        }

        var length = writer.Finish().Length;
        return length == size ? buffer : buffer[..length];
    }

    private sealed class Collector : IWalVisitor
    {
        public List<WalOp> Ops { get; } = [];

        public void Upsert(PointId id, ReadOnlySpan<float> vector, ReadOnlySpan<byte> payload) => Ops.Add(WalOp.Upsert(id, vector.ToArray(), payload.ToArray()));

        public void Delete(PointId id) => Ops.Add(WalOp.Delete(id));
    }
}
