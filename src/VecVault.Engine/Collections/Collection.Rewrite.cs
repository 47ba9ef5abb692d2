using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Memory.Locked;
using VecVault.Storage.Log;
using VecVault.Storage.Wal;

namespace VecVault.Engine.Collections;

// A rewrite (DEK rotation) holds every write of the collection: the write gate, and no write still pending.
internal sealed partial class Collection
{
    /// <summary>Takes the write gate and waits until every write that passed it is applied (or failed).</summary>
    public async Task HoldWritesAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        Task[] pending;
        lock (_pending)
        {
            pending = [.. _pending.Select(p => p.Applied.Task)];
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A failed write was not applied; its writer has the error.
        }
        catch
        {
            _writeGate.Release();
            throw;
        }
    }

    /// <summary>Releases what <see cref="HoldWritesAsync"/> took.</summary>
    public void ReleaseWrites() => _writeGate.Release();

    /// <summary>
    /// Writes the collection into <paramref name="target"/> under fresh DEKs, wrapped under the tenant's KEK in effect:
    /// each sealed segment anew (same id and slots, loaded for it when evicted), then the active segment's live points
    /// and tombstones as one fresh WAL run. Plaintext is encoded in locked memory. The caller holds seals, writes and
    /// the tenant's KEK gate. Returns the new WAL run, to install once the log is swapped (the sealed segments are
    /// attached to their new pages when the log is swapped).
    /// </summary>
    public async Task<WalSegment> RewriteAsync(TenantLog target, CancellationToken cancellationToken)
    {
        var previous = 0ul;
        foreach (var sealedSegment in SealedSegments())
        {
            using var sealedKey = DataKey.Generate();
            using var use = Use(sealedSegment);
            var (records, _, _) = await WriteSealedAsync(sealedSegment.Id, sealedSegment.Points, use.Content, sealedKey, previous, cancellationToken);
            await target.AppendRangeAsync(records, cancellationToken);
            previous = sealedSegment.Id;
        }

        var id = _nextSegmentId;
        var key = DataKey.Generate();
        var segment = new WalSegment(id, key, _tenant.Time.GetTimestamp());
        try
        {
            await WriteDescriptorAsync(target, id, key, cancellationToken);
            await Task.WhenAll(SealLivePoints(segment, target));
            return segment;
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>Seals every live point into WAL batches under <paramref name="segment"/> and enqueues them; returns their commits.</summary>
    private List<Task<long>> SealLivePoints(WalSegment segment, TenantLog target)
    {
        var appends = new List<Task<long>>();
        using var scratch = LockedBuffer.Allocate(target.MaxRecordBytes - PageCipher.Overhead);
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            var writer = new WalBatchWriter(scratch.Span);

            // Deletes first: they hide older versions in sealed segments, and the upserts that follow are newer.
            foreach (var tombstone in _points.Tombstones)
            {
                if (!writer.TryAddDelete(tombstone))
                {
                    appends.Add(Seal(writer.Finish()));
                    writer.Reset();
                    writer.TryAddDelete(tombstone);
                }
            }

            foreach (var (pointId, slot) in _points.Live.OrderBy(entry => entry.Value))
            {
                var payload = _content.PayloadAt(slot);
                if (writer.TryAddUpsert(pointId, _content.Vectors.Get(slot), payload))
                {
                    continue;
                }

                appends.Add(Seal(writer.Finish()));
                writer.Reset();
                if (!writer.TryAddUpsert(pointId, _content.Vectors.Get(slot), payload))
                {
                    throw new InvalidOperationException("a stored point does not fit in a WAL record");
                }
            }

            if (writer.Count > 0)
            {
                appends.Add(Seal(writer.Finish()));
            }
        }
        finally
        {
            _state.ExitReadLock();
            scratch.Span.Clear();
        }

        return appends;

        // Enqueued at once (the append is synchronous up to its commit), so ciphertext does not pile up in memory.
        Task<long> Seal(ReadOnlySpan<byte> batch) =>
            target.AppendAsync(PageCipher.Seal(segment.Key, _tenant.Id, new RecordHeader(RecordKind.WalBatch, Id, segment.Id, segment.NextSequence(_tenant.Time.GetTimestamp())), batch), CancellationToken.None);
    }

    /// <summary>The sealed segments, oldest first.</summary>
    public List<SealedSegment> SealedSegments()
    {
        _state.EnterReadLock();
        try
        {
            return [.. _sealed];
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>Makes <paramref name="segment"/> the active segment's only WAL run once the rewritten log is in place; zeroes the DEKs it replaces.</summary>
    public void InstallRewrite(WalSegment segment)
    {
        _state.EnterWriteLock();
        try
        {
            foreach (var old in _segments.Values)
            {
                old.Dispose();
            }

            _segments.Clear();
            _segments[segment.Id] = segment;
            _active = segment;
            _nextSegmentId = segment.Id + 1;
        }
        finally
        {
            _state.ExitWriteLock();
        }
    }
}
