using FASTER.core;

namespace VecVault.Storage.Tests;

/// <summary>The disk's state, shared by every device opened over it: writes fail while <see cref="Failing"/>.</summary>
public sealed class DiskFault
{
    private volatile bool _failing;
    private long _failedWrites;

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    /// <summary>Writes that were failed.</summary>
    public long FailedWrites => Interlocked.Read(ref _failedWrites);

    internal void CountFailure() => Interlocked.Increment(ref _failedWrites);
}

/// <summary>
/// A log device that fails writes while its disk is failing (as a full or failing disk does: the write reports an
/// I/O error and nothing reaches the file), over a real local device. Reads and everything else pass through.
/// </summary>
public sealed class FaultyDevice(IDevice inner, DiskFault disk) : IDevice
{
    /// <summary>An I/O error code (EIO).</summary>
    private const uint IoError = 5;

    public uint SectorSize => inner.SectorSize;

    public string FileName => inner.FileName;

    public long Capacity => inner.Capacity;

    public long SegmentSize => inner.SegmentSize;

    public int StartSegment => inner.StartSegment;

    public int EndSegment => inner.EndSegment;

    public int ThrottleLimit
    {
        get => inner.ThrottleLimit;
        set => inner.ThrottleLimit = value;
    }

    public void Initialize(long segmentSize, LightEpoch epoch = null!, bool omitSegmentIdFromFilename = false) => inner.Initialize(segmentSize, epoch, omitSegmentIdFromFilename);

    public bool Throttle() => inner.Throttle();

    public bool TryComplete() => inner.TryComplete();

    public void Reset() => inner.Reset();

    public long GetFileSize(int segment) => inner.GetFileSize(segment);

    public void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
    {
        if (Fail(callback, context))
        {
            return;
        }

        inner.WriteAsync(sourceAddress, segmentId, destinationAddress, numBytesToWrite, callback, context);
    }

    public void WriteAsync(IntPtr sourceAddress, ulong alignedDestinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
    {
        if (Fail(callback, context))
        {
            return;
        }

        inner.WriteAsync(sourceAddress, alignedDestinationAddress, numBytesToWrite, callback, context);
    }

    public void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength, DeviceIOCompletionCallback callback, object context) =>
        inner.ReadAsync(segmentId, sourceAddress, destinationAddress, readLength, callback, context);

    public void ReadAsync(ulong alignedSourceAddress, IntPtr alignedDestinationAddress, uint aligned_read_length, DeviceIOCompletionCallback callback, object context) =>
        inner.ReadAsync(alignedSourceAddress, alignedDestinationAddress, aligned_read_length, callback, context);

    public void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result) => inner.RemoveSegmentAsync(segment, callback, result);

    public void RemoveSegment(int segment) => inner.RemoveSegment(segment);

    public void TruncateUntilSegmentAsync(int toSegment, AsyncCallback callback, IAsyncResult result) => inner.TruncateUntilSegmentAsync(toSegment, callback, result);

    public void TruncateUntilSegment(int toSegment) => inner.TruncateUntilSegment(toSegment);

    public void TruncateUntilAddressAsync(long toAddress, AsyncCallback callback, IAsyncResult result) => inner.TruncateUntilAddressAsync(toAddress, callback, result);

    public void TruncateUntilAddress(long toAddress) => inner.TruncateUntilAddress(toAddress);

    public void Dispose() => inner.Dispose();

    private bool Fail(DeviceIOCompletionCallback callback, object context)
    {
        if (!disk.Failing)
        {
            return false;
        }

        disk.CountFailure();
        ThreadPool.UnsafeQueueUserWorkItem(_ => callback(IoError, 0, context), null);
        return true;
    }
}
