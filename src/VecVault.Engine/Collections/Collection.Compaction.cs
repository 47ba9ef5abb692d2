using VecVault.Crypto.Keys;
using VecVault.Storage.Log;

namespace VecVault.Engine.Collections;

// Compaction: a sealed segment with many dead points is copied with its live points only (and a graph built afresh
// over them) while writes go on, then written under a fresh DEK into a rewrite of the tenant's log, where it takes
// the old segment's place and id; the old pages go with the old log.
internal sealed partial class Collection
{
    /// <summary>Durable sealed segments whose dead share of slots is at least <paramref name="deadRatio"/>.</summary>
    public List<SealedSegment> CompactionCandidates(double deadRatio)
    {
        _state.EnterReadLock();
        try
        {
            return [.. _sealed.Where(s => s.Descriptor is not null && s.Points.Slots > 0
                && (s.Points.Slots - s.Points.LiveCount) >= deadRatio * s.Points.Slots)];
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>Copies a sealed segment's live points, payloads and tombstones, and builds their graph. Writes go on meanwhile.</summary>
    public Compaction BuildCompaction(SealedSegment segment)
    {
        var points = new PointSet();
        var content = new SegmentContent(Config);
        try
        {
            _state.EnterReadLock();
            try
            {
                ThrowIfUnavailable();
                using var use = Use(segment);
                foreach (var (id, slot) in segment.Points.Live.OrderBy(entry => entry.Value))
                {
                    content.Add(use.Content.Vectors.Get(slot), use.Content.PayloadAt(slot)?.ToArray());
                    points.Add(id, live: true);
                }

                points.Tombstones.UnionWith(segment.Points.Tombstones);
            }
            finally
            {
                _state.ExitReadLock();
            }

            // Private to the compaction until installed: built without any lock.
            content.IndexNewPoints();
            return new Compaction(segment, points, content);
        }
        catch
        {
            content.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a compacted segment into <paramref name="target"/> under a fresh DEK, first dropping the points killed
    /// since it was built. The caller holds seals, writes and the tenant's KEK gate.
    /// </summary>
    public async Task WriteCompactionAsync(TenantLog target, Compaction compaction, CancellationToken cancellationToken)
    {
        _state.EnterReadLock();
        try
        {
            foreach (var id in compaction.Points.Live.Select(entry => entry.Key).ToList())
            {
                if (!compaction.Old.Points.TryGetSlot(id, out _))
                {
                    compaction.Points.Kill(id);
                }
            }
        }
        finally
        {
            _state.ExitReadLock();
        }

        using var key = DataKey.Generate();
        var (records, _, _) = await WriteSealedAsync(compaction.Old.Id, compaction.Points, compaction.Content, key, LinkBefore(compaction.Old), cancellationToken);
        await target.AppendRangeAsync(records, cancellationToken);
    }

    /// <summary>Once the rewritten log is in place: the compacted segment takes the old one's place, whose content is zeroed.</summary>
    public void InstallCompaction(Compaction compaction)
    {
        _state.EnterWriteLock();
        try
        {
            var index = _sealed.IndexOf(compaction.Old);
            if (index < 0 || _gone is not null)
            {
                return;
            }

            _sealed[index] = new SealedSegment(compaction.Old.Id, compaction.Points, compaction.Content);
            compaction.Installed = true;
        }
        finally
        {
            _state.ExitWriteLock();
        }

        _tenant.Cache.Drop(compaction.Old);
    }
}

/// <summary>A sealed segment and its compacted copy: live points only, under the same id.</summary>
internal sealed record Compaction(SealedSegment Old, PointSet Points, SegmentContent Content)
{
    /// <summary>The copy took the old segment's place (and owns <see cref="Content"/>).</summary>
    public bool Installed { get; set; }
}
