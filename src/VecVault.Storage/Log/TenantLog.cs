using System.Threading.Channels;
using FASTER.core;
using Microsoft.Extensions.Logging;
using VecVault.Core.Errors;

namespace VecVault.Storage.Log;

/// <summary>
/// A tenant's append-only log: one FasterLog in the tenant's own directory, per-entry checksums on, and one
/// committer task doing group commit. Only ciphertext and non-secret metadata are ever appended.
/// </summary>
/// <remarks>
/// <c>AppendAsync</c> completes when the record is durable (<see cref="Durability.Commit"/>): writers enqueue
/// and wait, the committer commits everything enqueued so far in one FasterLog commit and releases every writer the
/// commit covers. A failed commit fails every writer it would have covered; none is ever acknowledged past a failed
/// write.
/// </remarks>
public sealed partial class TenantLog : IAsyncDisposable
{
    private FasterLog _log;
    private IDevice _device;
    private readonly TenantLogOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _enqueueLock = new();
    private readonly Queue<(long Address, TaskCompletionSource Done)> _waiters = new();
    private readonly Channel<bool> _commitRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _committer;
    private Exception? _fault;

    private TenantLog(string directory, TenantLogOptions options, ILogger logger)
    {
        Directory = directory;
        _options = options;
        _logger = logger;
        System.IO.Directory.CreateDirectory(directory);
        (_device, _log) = Create();
        _committer = Task.Run(CommitLoopAsync);
    }
    /// <summary>The log's directory.</summary>
    public string Directory { get; }

    /// <summary>The log's settings.</summary>
    public TenantLogOptions Options => _options;

    /// <summary>Largest record accepted.</summary>
    public int MaxRecordBytes => _options.MaxRecordBytes;

    /// <summary>Everything below this address is durable.</summary>
    public long CommittedUntilAddress => _log.CommittedUntilAddress;

    /// <summary>Opens (recovering to the last commit) or creates the log in <paramref name="directory"/>.</summary>
    public static TenantLog Open(string directory, TenantLogOptions options, ILogger logger)
    {
        try
        {
            return new TenantLog(directory, options, logger);
        }
        catch (Exception e) when (e is IOException or FasterException)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"log in {Path.GetFileName(directory)} could not be recovered", innerException: e);
        }
    }

    /// <summary>Appends a record; completes when it is durable (or at once under <see cref="Durability.Async"/>).</summary>
    /// <returns>The record's address.</returns>
    public Task<long> AppendAsync(byte[] record, CancellationToken cancellationToken = default) =>
        AppendAsync([record], cancellationToken);

    /// <summary>Appends records in order; completes when all are durable. Returns the address of the first.</summary>
    public async Task<long> AppendAsync(IReadOnlyList<byte[]> records, CancellationToken cancellationToken = default) =>
        (await AppendRangeAsync(records, cancellationToken)).Begin;

    /// <summary>
    /// Appends records in order, next to each other (no other writer's record falls between them); completes when all
    /// are durable. Returns where they are.
    /// </summary>
    public async Task<LogRange> AppendRangeAsync(IReadOnlyList<byte[]> records, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(records.Count);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LogRange range;
        lock (_enqueueLock)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            if (_fault is not null)
            {
                try
                {
                    Reopen();
                }
                catch (Exception e) when (e is IOException or FasterException)
                {
                    throw LogFailed(e);
                }
            }

            if (records.FirstOrDefault(r => r.Length > _options.MaxRecordBytes) is not null)
            {
                throw new ArgumentException($"a record is at most {_options.MaxRecordBytes} bytes", nameof(records));
            }

            var first = -1L;
            var last = 0L;
            foreach (var record in records)
            {
                last = _log.Enqueue(record);
                first = first < 0 ? last : first;
            }

            range = new LogRange(first, _log.TailAddress);
            _waiters.Enqueue((last, done));
        }

        _commitRequests.Writer.TryWrite(true);
        if (_options.Durability == Durability.Commit)
        {
            // The commit itself is not cancelled: it completes for other writers too.
            await done.Task.WaitAsync(cancellationToken);
        }

        return range;
    }

    /// <summary>Reads the committed records in <paramref name="range"/>, in address order.</summary>
    public IEnumerable<LogRecord> Read(LogRange range) => Scan(range.Begin, Math.Min(range.End, _log.CommittedUntilAddress));

    /// <summary>Opens the device and the FasterLog over it, recovering to the last commit.</summary>
    private (IDevice Device, FasterLog Log) Create()
    {
        IDevice device = Devices.CreateLogDevice(Path.Combine(Directory, "log"), preallocateFile: false, deleteOnClose: false, recoverDevice: true);
        device = _options.DeviceDecorator?.Invoke(device) ?? device;
        var settings = new FasterLogSettings
        {
            LogDevice = device,
            LogCommitDir = Path.Combine(Directory, "commits"),
            LogChecksum = LogChecksumType.PerEntry,
            PageSizeBits = _options.PageSizeBits,
            MemorySizeBits = _options.MemorySizeBits,
            SegmentSizeBits = _options.SegmentSizeBits,
            RemoveOutdatedCommits = true,
            TryRecoverLatest = true,
        };
        try
        {
            return (device, new FasterLog(settings));
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>
    /// After a failed commit: drops the FasterLog with everything it did not commit and recovers it from the last
    /// commit, so writes resume once the device works again. Caller holds the enqueue lock; throws while the device
    /// still fails.
    /// </summary>
    private void Reopen()
    {
        try
        {
            _log.Dispose();
        }
        catch (Exception e) when (e is IOException or FasterException or AggregateException)
        {
            // The failed log's pending flushes fail as it closes; it is being replaced.
        }

        _device.Dispose();
        (_device, _log) = Create();
        LogReopened(_logger, Directory);
        _fault = null;
    }

    /// <summary>Reads every committed record in address order.</summary>
    public IEnumerable<LogRecord> ReadAll() => Scan(_log.BeginAddress, _log.CommittedUntilAddress);

    private IEnumerable<LogRecord> Scan(long begin, long end)
    {
        using var iterator = _log.Scan(begin, end);
        while (iterator.GetNext(out var entry, out var length, out var address, out var next))
        {
            yield return new LogRecord(address, length == entry.Length ? entry : entry[..length], next);
        }
    }

    /// <summary>Commits what is pending, stops the committer and closes the log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        lock (_enqueueLock)
        {
            _stopping.Cancel();
        }

        _commitRequests.Writer.TryComplete();
        await _committer;
        _log.Dispose();
        _device.Dispose();
        _stopping.Dispose();
    }

    private async Task CommitLoopAsync()
    {
        var reader = _commitRequests.Reader;
        while (await reader.WaitToReadAsync())
        {
            reader.TryRead(out _);
            if (_options.Durability == Durability.Async)
            {
                try
                {
                    await Task.Delay(_options.AsyncCommitInterval, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: commit what is pending at once.
                }
            }

            await CommitPendingAsync();
        }

        await CommitPendingAsync();
    }

    private async Task CommitPendingAsync()
    {
        long until;
        FasterLog log;
        lock (_enqueueLock)
        {
            if (_waiters.Count == 0 || _fault is not null)
            {
                return;
            }

            until = _log.TailAddress;
            log = _log;
        }

        try
        {
            await log.CommitAsync();
            if (log.CommittedUntilAddress < until)
            {
                await log.WaitForCommitAsync(until);
            }
        }
        catch (Exception e)
        {
            LogCommitFailed(_logger, e, Directory);
            lock (_enqueueLock)
            {
                _fault = e;
                while (_waiters.TryDequeue(out var waiter))
                {
                    waiter.Done.TrySetException(LogFailed(e));
                }
            }

            return;
        }

        lock (_enqueueLock)
        {
            var committed = log.CommittedUntilAddress;
            while (_waiters.TryPeek(out var waiter) && waiter.Address < committed)
            {
                _waiters.Dequeue().Done.TrySetResult();
            }
        }
    }

    private static VecVaultException LogFailed(Exception cause) =>
        new(ErrorCode.Internal, "the tenant's log failed to commit; no write after the failure was acknowledged", innerException: cause);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Commit of the log in {Directory} failed; no write after the failure is acknowledged, and the next write reopens the log from its last commit")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "The log in {Directory} was reopened from its last commit after a failed commit")]
    private static partial void LogReopened(ILogger logger, string directory);
}
