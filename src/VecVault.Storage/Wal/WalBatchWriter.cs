using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VecVault.Core.Ids;

namespace VecVault.Storage.Wal;

/// <summary>
/// Encodes ops into a caller's buffer in the <see cref="WalBatch"/> format, so plaintext can be built in locked memory.
/// Add ops until one does not fit, take <see cref="Finish"/>, <see cref="Reset"/>, go on.
/// </summary>
/// <param name="buffer">Where the batch is encoded.</param>
public ref struct WalBatchWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _at = 4;

    /// <summary>Ops in the batch so far.</summary>
    public int Count { get; private set; }

    /// <summary>Adds an upsert; false (and nothing written) when it does not fit.</summary>
    public bool TryAddUpsert(PointId id, ReadOnlySpan<float> vector, ReadOnlySpan<byte> payload)
    {
        if (_at + WalOp.EncodedLengthOf(vector.Length, payload.Length) > _buffer.Length)
        {
            return false;
        }

        _buffer[_at++] = WalBatch.UpsertKind;
        _at += id.WriteTo(_buffer[_at..]);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer[_at..], vector.Length);
        _at += 4;
        MemoryMarshal.AsBytes(vector).CopyTo(_buffer[_at..]);
        _at += vector.Length * sizeof(float);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer[_at..], payload.Length);
        _at += 4;
        payload.CopyTo(_buffer[_at..]);
        _at += payload.Length;
        Count++;
        return true;
    }

    /// <summary>Adds a delete; false (and nothing written) when it does not fit.</summary>
    public bool TryAddDelete(PointId id)
    {
        if (_at + WalOp.EncodedLengthOf(0, 0) > _buffer.Length)
        {
            return false;
        }

        _buffer[_at++] = WalBatch.DeleteKind;
        _at += id.WriteTo(_buffer[_at..]);
        Count++;
        return true;
    }

    /// <summary>The encoded batch: a view of the buffer, valid until <see cref="Reset"/>.</summary>
    public readonly ReadOnlySpan<byte> Finish()
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer, Count);
        return _buffer[.._at];
    }

    /// <summary>Starts a new batch in the same buffer.</summary>
    public void Reset()
    {
        _at = 4;
        Count = 0;
    }
}
