using System.Globalization;
using VecVault.Memory.Locked;

namespace VecVault.Memory.Tests;

public sealed class LockedBufferTests
{
    [Fact]
    public void A_buffer_is_locked_left_out_of_dumps_and_accounted()
    {
        var before = LockedMemory.LockedBytes;
        using var buffer = LockedBuffer.Allocate(10_000);
        buffer.Span.Fill(0x5a);

        Assert.True(buffer.IsLocked, "the test machine grants CAP_IPC_LOCK or a memlock limit");
        Assert.True(LockedMemory.LockedBytes - before >= 10_000);
        var flags = SmapsFlagsOf(buffer);
        Assert.Contains("lo", flags);
        Assert.Contains("dd", flags);
    }

    [Fact]
    public void Disposing_zeroes_and_releases()
    {
        var live = LockedMemory.LiveBuffers;
        var buffer = LockedBuffer.Allocate(64);
        buffer.Span.Fill(0xff);
        buffer.Dispose();

        Assert.True(buffer.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        Assert.Equal(live, LockedMemory.LiveBuffers);
    }

    [Fact]
    public void A_buffer_can_be_viewed_as_floats() =>
        Assert.Equal(4, LockedBuffer.CopyOf(new byte[16]).AsSpan<float>().Length);

    private static unsafe string[] SmapsFlagsOf(LockedBuffer buffer)
    {
        fixed (byte* pointer = buffer.Span)
        {
            var address = (ulong)pointer;
            var inRegion = false;
            foreach (var line in File.ReadLines("/proc/self/smaps"))
            {
                var dash = line.IndexOf('-');
                if (dash > 0 && line.IndexOf(' ') > dash && ulong.TryParse(line[..dash], NumberStyles.HexNumber, null, out var start))
                {
                    var end = ulong.Parse(line[(dash + 1)..line.IndexOf(' ')], NumberStyles.HexNumber);
                    inRegion = address >= start && address < end;
                }
                else if (inRegion && line.StartsWith("VmFlags:", StringComparison.Ordinal))
                {
                    return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                }
            }
        }

        throw new InvalidOperationException("the buffer's mapping is not in /proc/self/smaps");
    }
}
