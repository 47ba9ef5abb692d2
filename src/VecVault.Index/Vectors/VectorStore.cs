using VecVault.Memory.Locked;

namespace VecVault.Index.Vectors;

/// <summary>
/// Fixed-dimension float32 vectors stored contiguously in chunks of locked memory, addressed by slot.
/// One writer appends (the owner serialises writes); readers may read any slot below <see cref="Count"/>
/// concurrently. Disposing zeroes every chunk.
/// </summary>
public sealed class VectorStore : IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private const int LargeChunkBytes = 8 << 20;

    private readonly int _chunkShift;
    private readonly int _slotMask;
    private readonly int _prefetchBytes;
    private LockedBuffer[] _chunks = [];
    private int _count;

    /// <summary>Creates an empty store for vectors of <paramref name="dimension"/> floats; <paramref name="expectedCount"/>, when known, sizes its chunks.</summary>
    public VectorStore(int dimension, int expectedCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedCount);
        Dimension = dimension;

        // A power of two, so a slot's chunk and offset are a shift and a mask (searches compute them per distance).
        // A store known to be large takes chunks of whole huge pages.
        var chunkBytes = (long)expectedCount * dimension * sizeof(float) >= LargeChunkBytes ? LargeChunkBytes : ChunkBytes;
        _chunkShift = System.Numerics.BitOperations.Log2((uint)Math.Max(1, chunkBytes / (dimension * sizeof(float))));
        VectorsPerChunk = 1 << _chunkShift;
        _slotMask = VectorsPerChunk - 1;
        _prefetchBytes = Math.Min(dimension * sizeof(float), PrefetchBytes);
    }

    /// <summary>
    /// Most bytes of a vector <see cref="Prefetch"/> asks for: a 128-float vector whole; of a longer one the start, after
    /// which the hardware's own stream prefetcher keeps ahead of the kernel's sequential reads.
    /// </summary>
    public const int PrefetchBytes = 512;

    /// <summary>Floats per vector.</summary>
    public int Dimension { get; }

    /// <summary>Vectors held by one chunk of locked memory.</summary>
    public int VectorsPerChunk { get; }

    /// <summary>Number of slots written; slots below it are readable.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Locked bytes held.</summary>
    public long Bytes => (long)_chunks.Length * VectorsPerChunk * Dimension * sizeof(float);

    /// <summary>Appends a copy of <paramref name="vector"/> and returns its slot. Single writer.</summary>
    public int Add(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"vector has {vector.Length} floats, the store holds {Dimension}", nameof(vector));
        }

        var slot = _count;
        var chunk = slot >> _chunkShift;
        if (chunk == _chunks.Length)
        {
            var grown = new LockedBuffer[_chunks.Length + 1];
            _chunks.CopyTo(grown, 0);
            grown[^1] = LockedBuffer.Allocate(VectorsPerChunk * Dimension * sizeof(float));
            Volatile.Write(ref _chunks, grown);
        }

        vector.CopyTo(Slot(_chunks[chunk], slot));
        Volatile.Write(ref _count, slot + 1);
        return slot;
    }

    /// <summary>The vector in <paramref name="slot"/>; valid while the store is not disposed.</summary>
    public ReadOnlySpan<float> Get(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Count, nameof(slot));
        return Slot(Volatile.Read(ref _chunks)[slot >> _chunkShift], slot);
    }

    /// <summary>
    /// Asks the CPU to start loading the vector in <paramref name="slot"/>, every cache line of it up to
    /// <see cref="PrefetchBytes"/>; a hint, never an error.
    /// </summary>
    public void Prefetch(int slot)
    {
        var chunks = Volatile.Read(ref _chunks);
        if ((uint)slot < (uint)Count && slot >> _chunkShift < chunks.Length)
        {
            chunks[slot >> _chunkShift].Prefetch((slot & _slotMask) * Dimension * sizeof(float), _prefetchBytes);
        }
    }

    /// <summary>Zeroes and frees every chunk.</summary>
    public void Dispose()
    {
        foreach (var chunk in Interlocked.Exchange(ref _chunks, []))
        {
            chunk.Dispose();
        }

        _count = 0;
    }

    private Span<float> Slot(LockedBuffer chunk, int slot) =>
        chunk.AsSpan<float>().Slice((slot & _slotMask) * Dimension, Dimension);
}
