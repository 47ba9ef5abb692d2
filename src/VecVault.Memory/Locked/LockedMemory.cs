using VecVault.Memory.Native;

namespace VecVault.Memory.Locked;

/// <summary>Process-wide locked-memory policy, probe and accounting.</summary>
public static class LockedMemory
{
    private static long _lockedBytes;
    private static long _unlockedBytes;
    private static long _liveBuffers;

    /// <summary>The system page size.</summary>
    public static int PageSize { get; } = OperatingSystem.IsLinux() ? (int)Libc.sysconf(Libc.ScPageSize) : Environment.SystemPageSize;

    /// <summary>What <see cref="LockedBuffer.Allocate"/> does when mlock fails. Set once at start.</summary>
    public static LockedMemoryPolicy Policy { get; set; } = LockedMemoryPolicy.Required;

    /// <summary>Bytes currently allocated and locked.</summary>
    public static long LockedBytes => Interlocked.Read(ref _lockedBytes);

    /// <summary>Bytes currently allocated but not locked (only under <see cref="LockedMemoryPolicy.BestEffort"/>).</summary>
    public static long UnlockedBytes => Interlocked.Read(ref _unlockedBytes);

    /// <summary>Buffers not yet released; tests assert it returns to its start value.</summary>
    public static long LiveBuffers => Interlocked.Read(ref _liveBuffers);

    /// <summary>True when this process can lock at least one page now.</summary>
    public static bool Probe()
    {
        var previous = Policy;
        try
        {
            Policy = LockedMemoryPolicy.BestEffort;
            using var buffer = LockedBuffer.Allocate(PageSize);
            return buffer.IsLocked;
        }
        finally
        {
            Policy = previous;
        }
    }

    /// <summary>
    /// Makes the process non-dumpable (<c>prctl(PR_SET_DUMPABLE, 0)</c>): blocks .NET's own crash dumps and
    /// ptrace attach by non-root users. Returns false where unsupported.
    /// </summary>
    public static bool DisableCoreDumps() => OperatingSystem.IsLinux() && Libc.prctl(Libc.PrSetDumpable, 0, 0, 0, 0) == 0;

    internal static void OnAllocated(long bytes, bool locked)
    {
        Interlocked.Add(ref locked ? ref _lockedBytes : ref _unlockedBytes, bytes);
        Interlocked.Increment(ref _liveBuffers);
    }

    internal static void OnReleased(long bytes, bool locked)
    {
        Interlocked.Add(ref locked ? ref _lockedBytes : ref _unlockedBytes, -bytes);
        Interlocked.Decrement(ref _liveBuffers);
    }
}
