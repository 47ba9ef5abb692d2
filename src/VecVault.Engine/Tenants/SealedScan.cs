using VecVault.Core.Errors;
using VecVault.Crypto.Pages;
using VecVault.Storage.Log;
using VecVault.Storage.Records;

namespace VecVault.Engine.Tenants;

/// <summary>
/// Finds the sealed segments in a scan of a tenant's log: each segment's pages run from its first page (sequence 1)
/// to its descriptor. Keeps the points pages, which recovery decrypts; the other pages are read on load. Pages with no
/// descriptor after them (a seal cut short by a crash) are dropped: their points are still in the WAL. Pages out of
/// place (a gap, a run started twice, a page after its descriptor) and a second descriptor are DataLoss.
/// </summary>
internal sealed class SealedScan
{
    private readonly Dictionary<(ulong Collection, ulong Segment), (long First, ulong Last, List<byte[]> Points)> _open = [];
    private readonly HashSet<(ulong Collection, ulong Segment)> _sealed = [];

    /// <summary>Feeds one record; returns the segment it completes, if it is a descriptor. DataLoss for a page out of place.</summary>
    public FoundSegment? Feed(RecordHeader header, LogRecord record)
    {
        var key = (header.CollectionId, header.SegmentId);
        switch (header.Kind)
        {
            case RecordKind.SegmentPoints or RecordKind.SegmentVectors or RecordKind.SegmentPayloads or RecordKind.SegmentGraph:
                // A run of pages starts at 1 and counts up without a gap; none follows its descriptor, none starts twice.
                var fresh = header.Sequence == 1 && !_open.ContainsKey(key) && !_sealed.Contains(key);
                if (!fresh && !(_open.TryGetValue(key, out var open) && header.Sequence == open.Last + 1))
                {
                    throw new VecVaultException(ErrorCode.DataLoss, $"page {header.Sequence} of segment {header.SegmentId} is out of place");
                }

                var run = fresh ? (First: record.Address, Last: 1ul, Points: new List<byte[]>()) : _open[key] with { Last = header.Sequence };
                if (header.Kind == RecordKind.SegmentPoints)
                {
                    run.Points.Add(record.Bytes);
                }

                _open[key] = run;
                return null;
            case RecordKind.SegmentSealed:
                var descriptor = SealedSegmentRecord.Decode(header, record.Bytes);
                var pages = _open.Remove(key, out var found) ? found : (First: record.Address, Last: 0ul, Points: []);
                if (!_sealed.Add(key))
                {
                    throw new VecVaultException(ErrorCode.DataLoss, $"segment {header.SegmentId} has two descriptors");
                }

                return new FoundSegment(header.CollectionId, descriptor, pages.Points, new LogRange(pages.First, record.Address));
            default:
                return null;
        }
    }
}

/// <summary>A sealed segment found in the log: its descriptor, its points pages and the range of its pages.</summary>
internal sealed record FoundSegment(ulong CollectionId, SealedSegmentRecord Descriptor, List<byte[]> PointsPages, LogRange Pages);
