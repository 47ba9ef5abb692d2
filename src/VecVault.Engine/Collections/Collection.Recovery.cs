using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Engine.Tenants;
using VecVault.Memory.Locked;
using VecVault.Storage.Log;
using VecVault.Storage.Records;
using VecVault.Storage.Wal;

namespace VecVault.Engine.Collections;

internal sealed partial class Collection
{
    private ulong _quarantinedSegment;

    /// <summary>True when a record or page of this collection failed an integrity check.</summary>
    public bool IsQuarantined => _quarantine is not null;

    /// <summary>The segment that failed an integrity check, and why; null while none has.</summary>
    public (ulong Segment, string Reason)? Quarantined => _quarantine is null ? null : (_quarantinedSegment, _quarantine);

    /// <summary>
    /// Replays a sealed segment (recovery replays them in id order, before any WAL): unwraps its DEK through the HSM,
    /// authenticates and decrypts its points pages, and kills in earlier segments every id it holds or deleted. Its
    /// content loads on first use.
    /// </summary>
    public void RecoverSealed(SealedSegmentRecord descriptor, DekWrapping wrapping, IReadOnlyList<byte[]> pointsPages, LogRange pages)
    {
        var id = descriptor.Key.SegmentId;
        if (id < _nextSegmentId)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"sealed segment {id} is out of order (expected {_nextSegmentId} or later)");
        }

        if (descriptor.Dimension != Config.Dimension || pointsPages.Count != descriptor.Pages.Points)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"sealed segment {id} does not match its descriptor");
        }

        var points = new SegmentImage.PointsReader();
        using (var key = UnwrapSealed(id, descriptor.Key, wrapping))
        using (var reader = new SegmentPageReader(key, _tenant.Id, descriptor, _tenant.Log.MaxRecordBytes))
        {
            for (var i = 0; i < pointsPages.Count; i++)
            {
                points.Read(reader.Open(pointsPages[i], (ulong)i + 1));
            }
        }

        var last = _sealed.Count == 0 ? 0 : _sealed[^1].Id;
        if (points.PreviousSegmentId != last)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"sealed segment {id} follows segment {points.PreviousSegmentId}, but the log holds {(last == 0 ? "none" : $"segment {last}")} before it");
        }

        var recovered = new SealedSegment(id, points.Finish(descriptor.Slots, descriptor.Tombstones), null);
        recovered.Attach(descriptor, wrapping, pages);
        if (recovered.Points.LiveCount != descriptor.LivePoints)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"sealed segment {id} holds {recovered.Points.LiveCount} live points where its descriptor names {descriptor.LivePoints}");
        }

        foreach (var hidden in recovered.Points.Ids.Concat(recovered.Points.Tombstones))
        {
            Kill(hidden);
        }

        _sealed.Add(recovered);
        _nextSegmentId = id + 1;
    }

    /// <summary>Replays a WAL descriptor: unwraps its DEK, as <paramref name="wrapping"/> stores it, through the HSM.</summary>
    public void RecoverSegment(SegmentRecord descriptor, DekWrapping wrapping)
    {
        // Increasing, not contiguous: a rewritten log keeps only the segments it wrote.
        if (descriptor.SegmentId < _nextSegmentId)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"segment {descriptor.SegmentId} is out of order (expected {_nextSegmentId} or later)");
        }

        var context = DekContext.Encode(_tenant.Id, Id, descriptor.SegmentId, descriptor.DekId, wrapping.Kek, wrapping.KekVersion, ConfigDigest);
        var started = _tenant.Time.GetTimestamp();
        var key = new DataKey(_tenant.Keys.Unwrap(wrapping.Kek, wrapping.WrappedDek, context), descriptor.DekId, descriptor.NoncePrefix);
        var hsm = _tenant.Time.GetElapsedTime(started);
        _segments[descriptor.SegmentId] = new WalSegment(descriptor.SegmentId, key, _tenant.Time.GetTimestamp());
        _tenant.Audit.Write("unwrap", _tenant.Id.Value, KeyAudit.Segment(Name, descriptor.SegmentId, descriptor.DekId, wrapping.Kek, hsm));
        _nextSegmentId = descriptor.SegmentId + 1;
    }

    /// <summary>Replays a WAL batch: authenticates and decrypts it, checks its sequence number, applies it.</summary>
    public void RecoverBatch(RecordHeader header, byte[] record)
    {
        if (!_segments.TryGetValue(header.SegmentId, out var segment))
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"WAL record names segment {header.SegmentId}, which has no descriptor");
        }

        if (header.Sequence <= segment.LastRecoveredSequence)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"WAL record {header.Sequence} of segment {header.SegmentId} is replayed or out of order");
        }

        // The plaintext stays in locked memory: ops are applied from spans over it, and it is zeroed on release.
        using var plaintext = LockedBuffer.Allocate(Math.Max(1, record.Length - PageCipher.Overhead));
        var length = PageCipher.Open(segment.Key, _tenant.Id, record, plaintext.Span);
        segment.LastRecoveredSequence = header.Sequence;
        segment.Bytes += record.Length;
        WalBatch.Replay(plaintext.Span[..length], new Replayer(this));
    }

    /// <summary>Applies replayed ops straight from the decrypted batch; the caller owns the collection during recovery.</summary>
    private sealed class Replayer(Collection collection) : IWalVisitor
    {
        public void Upsert(PointId id, ReadOnlySpan<float> vector, ReadOnlySpan<byte> payload) =>
            collection.ApplyUpsert(id, vector, payload.IsEmpty ? null : payload.ToArray());

        public void Delete(PointId id) => collection.ApplyDelete(id);
    }

    /// <summary>Marks the collection as not served; requests get DATA_LOSS naming it, segment <paramref name="segmentId"/> and <paramref name="reason"/>.</summary>
    public void Quarantine(ulong segmentId, string reason)
    {
        // The first failure names the segment (parallel searches may fail on two at once).
        if (Interlocked.CompareExchange(ref _quarantine, $"segment {segmentId}: {reason}", null) is null)
        {
            _quarantinedSegment = segmentId;
        }
    }

    /// <summary>
    /// Ends recovery: the recovered points are inserted into the active graph, and the WAL DEKs are zeroed (their
    /// points are decrypted in memory already, and new writes go to a fresh WAL run). A full active segment is sealed.
    /// </summary>
    public void FinishRecovery()
    {
        IndexNewPoints();
        foreach (var segment in _segments.Values)
        {
            segment.Dispose();
        }

        _segments.Clear();
        SealWhenFull();
    }
}
