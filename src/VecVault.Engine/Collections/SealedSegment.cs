using VecVault.Engine.Tenants;
using VecVault.Storage.Log;
using VecVault.Storage.Records;

namespace VecVault.Engine.Collections;

/// <summary>
/// An immutable segment of a collection: its point set (always in memory), its descriptor and where its pages are,
/// and its content while loaded. A segment sealed by this process starts loaded; one recovered from the log loads on
/// first use through the <see cref="SegmentCache"/>, which may evict it again. Until its descriptor is durable a
/// segment's points are still in the WAL, and it is never evicted.
/// </summary>
internal sealed class SealedSegment(ulong id, PointSet points, SegmentContent? content)
{
    /// <summary>Guards <see cref="Content"/>, <see cref="Users"/> and the cache's bookkeeping.</summary>
    public Lock Sync { get; } = new();

    /// <summary>Serialises loads: concurrent first queries load the segment once.</summary>
    public SemaphoreSlim LoadGate { get; } = new(1, 1);

    public ulong Id { get; } = id;

    public PointSet Points { get; } = points;

    /// <summary>The durable descriptor; null while the segment is being sealed.</summary>
    public SealedSegmentRecord? Descriptor { get; private set; }

    /// <summary>The wrapping in effect of the segment's DEK.</summary>
    public DekWrapping Wrapping { get; private set; }

    /// <summary>Where its pages are in the tenant's log (the first <see cref="SegmentPageCounts.Total"/> records of the range).</summary>
    public LogRange Pages { get; private set; }

    /// <summary>Loaded content; null while not loaded.</summary>
    public SegmentContent? Content { get; set; } = content;

    /// <summary>Searches using the content now; it is not evicted while positive.</summary>
    public int Users { get; set; }

    /// <summary>Zeroed for good: the collection was deleted or unloaded.</summary>
    public bool IsReleased { get; set; }

    /// <summary>Bytes counted against the cache budget while loaded.</summary>
    public long CachedBytes { get; set; }

    /// <summary>LRU stamp of the last use.</summary>
    public long LastUsed { get; set; }

    /// <summary>Records where the segment is stored and under which wrapping; called when sealed, recovered or moved by a log rewrite.</summary>
    public void Attach(SealedSegmentRecord descriptor, DekWrapping wrapping, LogRange pages)
    {
        Descriptor = descriptor;
        Wrapping = wrapping;
        Pages = pages;
    }

    /// <summary>A KEK rotation put a new wrapping of the DEK in effect.</summary>
    public void Rewrap(DekWrapping wrapping) => Wrapping = wrapping;
}
