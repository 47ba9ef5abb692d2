using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Engine.Tenants;
using VecVault.Storage.Records;

namespace VecVault.Engine.Collections;

// Sealing: the active segment is frozen (writes held for a moment), and becomes a sealed segment whose pages are
// written under a fresh DEK while writes go on into a fresh active segment. Until its descriptor is durable its
// points are still in the WAL runs it replaces.
internal sealed partial class Collection
{
    private readonly SemaphoreSlim _sealGate = new(1, 1);
    private int _sealScheduled;

    /// <summary>
    /// Seals the active segment when it holds anything: completes when the sealed segment's descriptor is durable
    /// (and retries any earlier seal that failed, first). Returns the sealed segment's id, or 0 when it was empty.
    /// </summary>
    public async Task<ulong> SealAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnavailable();
        await _sealGate.WaitAsync(cancellationToken);
        try
        {
            SealedSegment? frozen;
            await HoldWritesAsync(cancellationToken);
            try
            {
                frozen = Freeze();
            }
            finally
            {
                ReleaseWrites();
            }

            foreach (var segment in Unsealed())
            {
                await PersistAsync(segment, cancellationToken);
            }

            return frozen?.Id ?? 0;
        }
        finally
        {
            _sealGate.Release();
        }
    }

    /// <summary>Takes the seal gate, then holds writes: nothing is sealed or written until <see cref="ReleaseSealsAndWrites"/>.</summary>
    public async Task HoldSealsAndWritesAsync(CancellationToken cancellationToken)
    {
        await _sealGate.WaitAsync(cancellationToken);
        try
        {
            await HoldWritesAsync(cancellationToken);
        }
        catch
        {
            _sealGate.Release();
            throw;
        }
    }

    /// <summary>Releases what <see cref="HoldSealsAndWritesAsync"/> took.</summary>
    public void ReleaseSealsAndWrites()
    {
        ReleaseWrites();
        _sealGate.Release();
    }

    /// <summary>A KEK rotation put a new wrapping of a sealed segment's DEK in effect.</summary>
    public void Rewrap(ulong segmentId, DekWrapping wrapping)
    {
        _state.EnterReadLock();
        try
        {
            _sealed.Find(s => s.Id == segmentId)?.Rewrap(wrapping);
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>Starts a background seal once the active segment holds <see cref="Core.Collections.CollectionConfig.SegmentMaxPoints"/> points.</summary>
    private void SealWhenFull()
    {
        if (_points.Slots < Config.SegmentMaxPoints || _gone is not null || Interlocked.Exchange(ref _sealScheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await SealAsync(CancellationToken.None);
            }
            catch (Exception e)
            {
                // The points stay in the WAL and in memory; the next full segment retries.
                _tenant.SealFailed(Name, e);
            }
            finally
            {
                Volatile.Write(ref _sealScheduled, 0);
            }
        });
    }

    /// <summary>Moves the active segment's points and content into a new sealed segment. Caller holds writes.</summary>
    private SealedSegment? Freeze()
    {
        _state.EnterWriteLock();
        try
        {
            ThrowIfUnavailable();
            if (_points.Slots == 0 && _points.Tombstones.Count == 0)
            {
                return null;
            }

            _content.IndexNewPoints();
            var segment = new SealedSegment(_nextSegmentId++, _points, _content);
            _sealed.Add(segment);
            _points = new PointSet();
            _content = new SegmentContent(Config);

            // The WAL runs so far hold nothing the sealed segment does not: garbage once it is durable.
            foreach (var run in _segments.Values)
            {
                _tenant.AddReclaimable(run.Bytes);
                run.Bytes = 0;
            }

            // The next write continues the (new) active segment's WAL under a fresh DEK with a higher id.
            if (_active is { } wal)
            {
                _segments.Remove(wal.Id);
                wal.Dispose();
                _active = null;
            }

            return segment;
        }
        finally
        {
            _state.ExitWriteLock();
        }
    }

    /// <summary>The id of the sealed segment before <paramref name="segment"/> (0: none), as its pages name it.</summary>
    private ulong LinkBefore(SealedSegment segment)
    {
        var sealedSegments = SealedSegments();
        var index = sealedSegments.IndexOf(segment);
        return index > 0 ? sealedSegments[index - 1].Id : 0;
    }

    private List<SealedSegment> Unsealed()
    {
        _state.EnterReadLock();
        try
        {
            return [.. _sealed.Where(s => s.Descriptor is null)];
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>Writes a frozen segment's pages under a fresh DEK, then its descriptor; then the cache may evict it.</summary>
    private async Task PersistAsync(SealedSegment segment, CancellationToken cancellationToken)
    {
        using var key = DataKey.Generate();
        await _tenant.KekGate.WaitAsync(cancellationToken);
        try
        {
            var (records, descriptor, wrapping) = await WriteSealedAsync(segment.Id, segment.Points, segment.Content!, key, LinkBefore(segment), cancellationToken);
            var range = await _tenant.Log.AppendRangeAsync(records, CancellationToken.None);
            segment.Attach(descriptor, wrapping, range);
        }
        finally
        {
            _tenant.KekGate.Release();
        }

        _tenant.Audit.Write("seal", _tenant.Id.Value,
        [
            .. KeyAudit.Segment(Name, segment.Id, key.Id, _tenant.Kek),
            new("points", segment.Descriptor!.LivePoints.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ]);
        _tenant.Cache.Track(segment);
    }

    /// <summary>
    /// Encodes a sealed segment's pages under <paramref name="key"/> and its descriptor (the DEK wrapped under the KEK in
    /// effect): the records to append, in order. The caller holds the tenant's KEK gate.
    /// </summary>
    private async Task<(List<byte[]> Records, SealedSegmentRecord Descriptor, DekWrapping Wrapping)> WriteSealedAsync(
        ulong id, PointSet points, SegmentContent content, DataKey key, ulong previousSegmentId, CancellationToken cancellationToken)
    {
        List<byte[]> records;
        SegmentPageCounts pages;
        byte[] hash;
        int live, slots, tombstones;
        _state.EnterReadLock();
        try
        {
            ThrowIfUnavailable();
            using var writer = new SegmentPageWriter(key, _tenant.Id, Id, id, _tenant.Log.MaxRecordBytes);
            SegmentImage.Write(writer, points, content, previousSegmentId);
            (records, pages, hash) = writer.Finish();
            (live, slots, tombstones) = (points.LiveCount, points.Slots, points.Tombstones.Count);
        }
        finally
        {
            _state.ExitReadLock();
        }

        var (wrapped, kek, version) = await WrapAsync(id, key, cancellationToken);
        var descriptor = new SealedSegmentRecord(new SegmentRecord(Id, id, key.Id, key.NoncePrefix, wrapped, version), Config.Dimension, slots, live, tombstones, pages, hash);
        records.Add(RecordCodec.Encode(new RecordHeader(RecordKind.SegmentSealed, Id, id, 0), descriptor));
        return (records, descriptor, new DekWrapping(wrapped, kek, version));
    }
}
