using System.Runtime.InteropServices;

namespace VecVault.Memory.Native;

/// <summary>The few libc calls VecVault makes. Linux only.</summary>
internal static partial class Libc
{
    /// <summary>madvise advice: back the range with transparent huge pages where the kernel allows it.</summary>
    public const int MadvHugePage = 14;

    /// <summary>madvise advice: leave the range out of core dumps.</summary>
    public const int MadvDontDump = 16;

    /// <summary>prctl option: set the process's dumpable flag.</summary>
    public const int PrSetDumpable = 4;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int mlock(nint addr, nuint len);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munlock(nint addr, nuint len);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int madvise(nint addr, nuint len, int advice);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", SetLastError = true)]
    public static partial long sysconf(int name);

    /// <summary>sysconf name for the page size.</summary>
    public const int ScPageSize = 30;
}
