using VecVault.Crypto.Pages;
using VecVault.Storage.Log;
using VecVault.Storage.Records;

namespace VecVault.Engine.Tenants;

/// <summary>
/// Finds the sealed segments in a scan of a tenant's log: each segment's pages run from its first page (sequence 1)
/// to its descriptor. Keeps the points pages, which recovery decrypts; the other pages are read on load. Pages with no
/// descriptor after them (a seal cut short by a crash) are dropped: their points are still in the WAL.
/// </summary>
internal sealed class SealedScan
{
    private readonly Dictionary<(ulong Collection, ulong Segment), (long First, List<byte[]> Points)> _open = [];

    /// <summary>Feeds one record; returns the segment it completes, if it is a descriptor.</summary>
    public FoundSegment? Feed(RecordHeader header, LogRecord record)
    {
        var key = (header.CollectionId, header.SegmentId);
        switch (header.Kind)
        {
            case RecordKind.SegmentPoints or RecordKind.SegmentVectors or RecordKind.SegmentPayloads or RecordKind.SegmentGraph:
                if (header.Sequence == 1)
                {
                    _open[key] = (record.Address, []);
                }

                if (header.Kind == RecordKind.SegmentPoints && _open.TryGetValue(key, out var run))
                {
                    run.Points.Add(record.Bytes);
                }

                return null;
            case RecordKind.SegmentSealed:
                var descriptor = RecordCodec.Decode<SealedSegmentRecord>(record.Bytes);
                var pages = _open.Remove(key, out var found) ? found : (First: record.Address, Points: []);
                return new FoundSegment(header.CollectionId, descriptor, pages.Points, new LogRange(pages.First, record.Address));
            default:
                return null;
        }
    }
}

/// <summary>A sealed segment found in the log: its descriptor, its points pages and the range of its pages.</summary>
internal sealed record FoundSegment(ulong CollectionId, SealedSegmentRecord Descriptor, List<byte[]> PointsPages, LogRange Pages);
