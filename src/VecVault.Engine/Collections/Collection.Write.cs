using System.Security.Cryptography;
using System.Text.Json;
using VecVault.Core.Errors;
using VecVault.Core.Filters;
using VecVault.Core.Ids;
using VecVault.Core.Points;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Engine.Tenants;
using VecVault.Storage.Log;
using VecVault.Storage.Records;
using VecVault.Storage.Wal;

namespace VecVault.Engine.Collections;

internal sealed partial class Collection
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Queue<PendingWrite> _pending = new();
    private WalSegment? _active;

    /// <summary>Upserts points; completes when they are durable and visible to searches.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        var ops = new List<WalOp>(points.Count);
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            VectorValidation.Check(point.Vector.Span, Config.Dimension, $"points[{i}].vector");
            var payload = point.Payload is null ? ReadOnlyMemory<byte>.Empty : JsonSerializer.SerializeToUtf8Bytes(point.Payload);
            ops.Add(WalOp.Upsert(point.Id, Prepare(point.Vector.Span), payload));
        }

        await WriteAsync(ops, cancellationToken);
        return ops.Count;
    }

    /// <summary>Deletes points; completes when the deletes are durable. Returns how many existed.</summary>
    public async Task<int> DeleteAsync(IReadOnlyList<PointId> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return 0;
        }

        int existing;
        _state.EnterReadLock();
        try
        {
            existing = ids.Distinct().Count(id => Find(id).Slot >= 0);
        }
        finally
        {
            _state.ExitReadLock();
        }

        await WriteAsync([.. ids.Select(WalOp.Delete)], cancellationToken);
        return existing;
    }

    /// <summary>
    /// Deletes the points that match <paramref name="filter"/> when it is evaluated; returns how many. A point
    /// written while this runs may or may not be deleted.
    /// </summary>
    public async Task<int> DeleteAsync(Filter filter, CancellationToken cancellationToken)
    {
        var ids = MatchingIds(filter);
        if (ids.Count > 0)
        {
            await WriteAsync([.. ids.Select(WalOp.Delete)], cancellationToken);
        }

        return ids.Count;
    }

    /// <summary>
    /// Seals the ops into WAL records under the active segment's DEK, appends them in sequence order, waits for
    /// durability, then applies every durable write in log order.
    /// </summary>
    private async Task WriteAsync(List<WalOp> ops, CancellationToken cancellationToken)
    {
        ThrowIfUnavailable();
        var batches = WalBatch.EncodeChunked(ops, _tenant.Log.MaxRecordBytes - PageCipher.Overhead);
        PendingWrite pending;
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfUnavailable();
            _active ??= await OpenSegmentAsync(cancellationToken);
            var records = new List<byte[]>(batches.Count);
            var now = _tenant.Time.GetTimestamp();
            try
            {
                foreach (var batch in batches)
                {
                    var header = new RecordHeader(RecordKind.WalBatch, Id, _active.Id, _active.NextSequence(now));
                    records.Add(PageCipher.Seal(_active.Key, _tenant.Id, header, batch));
                    _active.Bytes += records[^1].Length;
                    CryptographicOperations.ZeroMemory(batch);
                }
            }
            catch (ObjectDisposedException)
            {
                // The collection was unloaded (deleted, or its key revoked) and its DEK zeroed while this write waited.
                ThrowIfUnavailable();
                throw;
            }

            // The append enqueues synchronously, so log order equals the order writers pass the gate.
            pending = new PendingWrite(_tenant.Log.AppendAsync(records, CancellationToken.None), ops);
            lock (_pending)
            {
                _pending.Enqueue(pending);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        // Applied even if this caller stops waiting: a durable write always becomes visible.
        _ = pending.Durable.ContinueWith(_ => ApplyDurableWrites(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await pending.Applied.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Applies, in log order, every pending write whose records are durable; drops failed ones.</summary>
    private void ApplyDurableWrites()
    {
        lock (_pending)
        {
            while (_pending.TryPeek(out var next) && next.Durable.IsCompleted)
            {
                _pending.Dequeue();
                if (!next.Durable.IsCompletedSuccessfully)
                {
                    next.Applied.TrySetException(next.Durable.Exception!.InnerExceptions);
                    continue;
                }

                _state.EnterWriteLock();
                try
                {
                    if (_gone is { } gone)
                    {
                        next.Applied.TrySetException(new VecVaultException(gone.Code, gone.Message));
                        continue;
                    }

                    Apply(next.Ops);
                }
                finally
                {
                    _state.ExitWriteLock();
                }

                IndexNewPoints();
                next.Applied.TrySetResult();
                SealWhenFull();
            }
        }
    }

    /// <summary>
    /// Inserts every point applied since the last call into the active graph. Callers serialise it (the durable-write
    /// queue, or recovery); it holds the shared lock, so searches run meanwhile and an unload waits for it.
    /// </summary>
    private void IndexNewPoints()
    {
        _state.EnterReadLock();
        try
        {
            if (_gone is null)
            {
                _content.IndexNewPoints();
            }
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    private void Apply(IReadOnlyList<WalOp> ops)
    {
        foreach (var op in ops)
        {
            if (op.IsDelete)
            {
                ApplyDelete(op.Id);
            }
            else
            {
                ApplyUpsert(op.Id, op.Vector.Span, op.Payload.IsEmpty ? null : op.Payload.ToArray());
            }
        }
    }

    /// <summary>
    /// Opens a segment under a fresh DEK, wrapped by the tenant's KEK, and makes its descriptor durable. Holds the
    /// tenant's KEK gate, so a rotation never misses the segment and the DEK is wrapped under the KEK in effect.
    /// </summary>
    private async Task<WalSegment> OpenSegmentAsync(CancellationToken cancellationToken)
    {
        var id = _nextSegmentId;
        var key = DataKey.Generate();
        await _tenant.KekGate.WaitAsync(cancellationToken);
        try
        {
            await WriteDescriptorAsync(_tenant.Log, id, key, cancellationToken);
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            _tenant.KekGate.Release();
        }

        _nextSegmentId = id + 1;
        var segment = new WalSegment(id, key, _tenant.Time.GetTimestamp());
        _state.EnterWriteLock();
        try
        {
            if (_gone is { } gone)
            {
                segment.Dispose();
                throw new VecVaultException(gone.Code, gone.Message);
            }

            _segments[id] = segment;
        }
        finally
        {
            _state.ExitWriteLock();
        }

        return segment;
    }

    /// <summary>
    /// Wraps <paramref name="key"/> under the tenant's KEK in effect, bound to segment <paramref name="id"/>'s context,
    /// and makes the WAL descriptor durable in <paramref name="log"/>. The caller holds the tenant's KEK gate.
    /// </summary>
    private async Task WriteDescriptorAsync(TenantLog log, ulong id, DataKey key, CancellationToken cancellationToken)
    {
        var (wrapped, _, version) = await WrapAsync(id, key, cancellationToken);
        var descriptor = new SegmentRecord(Id, id, key.Id, key.NoncePrefix, wrapped, version);
        await log.AppendAsync(RecordCodec.Encode(new RecordHeader(RecordKind.SegmentOpened, Id, id, 0), descriptor), cancellationToken);
    }

    /// <summary>Wraps segment <paramref name="id"/>'s DEK under the tenant's KEK in effect (audited). The caller holds the tenant's KEK gate.</summary>
    private async Task<(byte[] Wrapped, Core.Keys.KekReference Kek, uint Version)> WrapAsync(ulong id, DataKey key, CancellationToken cancellationToken)
    {
        var (kek, version) = (_tenant.Kek, _tenant.KekVersion);
        var context = DekContext.Encode(_tenant.Id, Id, id, key.Id, kek, version, ConfigDigest);
        var started = _tenant.Time.GetTimestamp();
        var wrapped = await Task.Run(() => _tenant.Keys.Wrap(kek, key.Key, context), cancellationToken);
        _tenant.Audit.Write("wrap", _tenant.Id.Value, KeyAudit.Segment(Name, id, key.Id, kek, _tenant.Time.GetElapsedTime(started)));
        return (wrapped, kek, version);
    }

    private sealed record PendingWrite(Task Durable, IReadOnlyList<WalOp> Ops)
    {
        public TaskCompletionSource Applied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
