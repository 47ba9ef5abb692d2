using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace VecVault.Memory.Hints;

/// <summary>
/// Cache hints for managed memory (a graph search asks for the neighbour list it reads next while it scores the
/// current one). The address is taken without pinning: if the collector moves the object meanwhile, the hint loads a
/// line that is no longer used, which costs nothing but the hint; a prefetch never faults.
/// </summary>
public static unsafe class CacheHint
{
    private const int CacheLine = 64;

    /// <summary>Starts loading the cache lines of <paramref name="elements"/> elements from <paramref name="location"/>; a no-op without SSE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch<T>(ref readonly T location, int elements)
        where T : unmanaged =>
        Prefetch(Unsafe.AsPointer(ref Unsafe.AsRef(in location)), (nuint)((long)elements * sizeof(T)));

    /// <summary>Starts loading the cache lines of <paramref name="bytes"/> bytes from <paramref name="start"/>; a no-op without SSE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(void* start, nuint bytes)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        var end = (nuint)start + bytes;
        for (var line = (nuint)start & ~(nuint)(CacheLine - 1); line < end; line += CacheLine)
        {
            Sse.Prefetch0((void*)line);
        }
    }
}
