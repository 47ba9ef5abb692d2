using System.Runtime.InteropServices;
using System.Security.Cryptography;
using VecVault.Memory.Native;

namespace VecVault.Memory.Locked;

/// <summary>
/// Native memory for plaintext: page-aligned, <c>mlock</c>ed (never swapped), marked <c>MADV_DONTDUMP</c>
/// (left out of kernel core dumps), and zeroed before release. DEKs and decrypted pages live only here.
/// </summary>
/// <remarks>Not thread-safe for disposal: the owner disposes once, when no reader holds a span.</remarks>
public sealed unsafe class LockedBuffer : IDisposable
{
    private const nuint HugePage = 2 << 20;

    private nint _address;
    private readonly nuint _capacity;

    private LockedBuffer(nint address, nuint capacity, int length, bool isLocked)
    {
        _address = address;
        _capacity = capacity;
        Length = length;
        IsLocked = isLocked;
    }

    /// <summary>Usable length in bytes.</summary>
    public int Length { get; }

    /// <summary>True when the pages are mlocked; false only under <see cref="LockedMemoryPolicy.BestEffort"/> when mlock failed.</summary>
    public bool IsLocked { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _address == 0;

    /// <summary>The buffer's bytes.</summary>
    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_address == 0, this);
            return new Span<byte>((void*)_address, Length);
        }
    }

    /// <summary>
    /// Hints the CPU to start loading every cache line of <paramref name="length"/> bytes from <paramref name="offset"/>
    /// (a vector the search reads next), so the lines arrive in parallel rather than one after another. Only a hint:
    /// the range is clipped to the buffer; nothing happens once disposed or without SSE.
    /// </summary>
    public void Prefetch(int offset, int length)
    {
        var address = _address;
        if (address != 0 && (uint)offset < (uint)Length)
        {
            Hints.CacheHint.Prefetch((void*)(address + offset), (nuint)(Math.Min((long)offset + Math.Max(length, 1), Length) - offset));
        }
    }

    /// <summary>The buffer viewed as elements of <typeparamref name="T"/>.</summary>
    public Span<T> AsSpan<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Span);

    /// <summary>A read-only stream over the first <paramref name="length"/> bytes. It must not outlive the buffer.</summary>
    public UnmanagedMemoryStream OpenRead(int length)
    {
        ObjectDisposedException.ThrowIf(_address == 0, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)Length, nameof(length));
        return new UnmanagedMemoryStream((byte*)_address, length, length, FileAccess.Read);
    }

    /// <summary>Allocates <paramref name="length"/> zeroed bytes of locked memory.</summary>
    /// <exception cref="LockedMemoryException">mlock failed and the policy is <see cref="LockedMemoryPolicy.Required"/>.</exception>
    public static LockedBuffer Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var page = LockedMemory.PageSize;
        var capacity = (nuint)(((long)length + page - 1) / page * page);

        // A large buffer is aligned to a huge page and asks for huge pages, and every buffer is locked before its first
        // touch: mlock then populates it in the kernel at once, instead of one fault per 4 KiB page at first use (which
        // dominated the cold load of a sealed segment: about 10 us per fault on a VM, 10x slower than decrypting).
        var huge = capacity >= HugePage;
        var address = (nint)NativeMemory.AlignedAlloc(capacity, huge ? HugePage : (nuint)page);
        if (huge && OperatingSystem.IsLinux())
        {
            _ = Libc.madvise(address, capacity, Libc.MadvHugePage);
        }

        var locked = OperatingSystem.IsLinux() && Libc.mlock(address, capacity) == 0;
        if (!locked && LockedMemory.Policy == LockedMemoryPolicy.Required)
        {
            var errno = Marshal.GetLastPInvokeError();
            NativeMemory.AlignedFree((void*)address);
            throw new LockedMemoryException(
                $"mlock of {capacity} bytes failed (errno {errno}); grant CAP_IPC_LOCK or raise the memlock ulimit");
        }

        // The allocator may hand back memory it had before: cleared, so a buffer starts as zeros.
        NativeMemory.Clear((void*)address, capacity);
        if (OperatingSystem.IsLinux())
        {
            // Advice is applied in its own call: combining it with other advice is not portable.
            _ = Libc.madvise(address, capacity, Libc.MadvDontDump);
        }

        LockedMemory.OnAllocated((long)capacity, locked);
        return new LockedBuffer(address, capacity, length, locked);
    }

    /// <summary>Allocates locked memory holding a copy of <paramref name="source"/>.</summary>
    public static LockedBuffer CopyOf(ReadOnlySpan<byte> source)
    {
        var buffer = Allocate(source.Length);
        source.CopyTo(buffer.Span);
        return buffer;
    }

    /// <summary>Zeroes, unlocks and frees the memory.</summary>
    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Zeroes and frees even when the owner forgot to dispose.</summary>
    ~LockedBuffer() => Release();

    private void Release()
    {
        var address = Interlocked.Exchange(ref _address, 0);
        if (address == 0)
        {
            return;
        }

        CryptographicOperations.ZeroMemory(new Span<byte>((void*)address, checked((int)Math.Min(_capacity, int.MaxValue))));
        if (_capacity > int.MaxValue)
        {
            NativeMemory.Clear((void*)(address + int.MaxValue), _capacity - int.MaxValue);
        }

        if (IsLocked)
        {
            _ = Libc.munlock(address, _capacity);
        }

        NativeMemory.AlignedFree((void*)address);
        LockedMemory.OnReleased((long)_capacity, IsLocked);
    }
}
