using System.Security.Cryptography;
using VecVault.Core.Ids;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Memory.Locked;
using VecVault.Storage.Records;

namespace VecVault.Engine.Collections;

/// <summary>
/// Writes a sealed segment's sections as encrypted pages under the segment's DEK. Items are packed into a page in
/// locked memory and never straddle two pages (except raw bytes); a full page is sealed with the next sequence number
/// (1, 2, ...) and its plaintext zeroed. Sections are written in the order of <see cref="SegmentPageCounts"/>.
/// </summary>
public sealed class SegmentPageWriter : IDisposable
{
    private readonly DataKey _key;
    private readonly TenantId _tenant;
    private readonly ulong _collectionId;
    private readonly ulong _segmentId;
    private readonly LockedBuffer _page;
    private readonly List<byte[]> _records = [];
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Dictionary<RecordKind, int> _pages = [];
    private RecordKind _kind;
    private int _used;

    /// <summary>Starts a segment's pages; each holds at most <paramref name="maxRecordBytes"/> once sealed.</summary>
    public SegmentPageWriter(DataKey key, TenantId tenant, ulong collectionId, ulong segmentId, int maxRecordBytes)
    {
        _key = key;
        _tenant = tenant;
        _collectionId = collectionId;
        _segmentId = segmentId;
        _page = LockedBuffer.Allocate(maxRecordBytes - PageCipher.Overhead);
    }

    /// <summary>Most bytes one item may take.</summary>
    public int PageCapacity => _page.Length;

    /// <summary>Ends the current section's last page and starts a section of <paramref name="kind"/>.</summary>
    public void Begin(RecordKind kind)
    {
        Flush();
        _kind = kind;
    }

    /// <summary>Room for an item of <paramref name="length"/> bytes in the current page (a fresh page when it does not fit).</summary>
    public Span<byte> Reserve(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, PageCapacity);
        if (_used + length > PageCapacity)
        {
            Flush();
        }

        var item = _page.Span.Slice(_used, length);
        _used += length;
        return item;
    }

    /// <summary>Writes bytes that may straddle pages.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_used == PageCapacity)
            {
                Flush();
            }

            var take = Math.Min(bytes.Length, PageCapacity - _used);
            bytes[..take].CopyTo(_page.Span[_used..]);
            _used += take;
            bytes = bytes[take..];
        }
    }

    /// <summary>Seals the last page and returns the page records, their counts per section and their content hash.</summary>
    public (List<byte[]> Records, SegmentPageCounts Pages, byte[] ContentHash) Finish()
    {
        Flush();
        var counts = new SegmentPageCounts(
            _pages.GetValueOrDefault(RecordKind.SegmentPoints),
            _pages.GetValueOrDefault(RecordKind.SegmentVectors),
            _pages.GetValueOrDefault(RecordKind.SegmentPayloads),
            _pages.GetValueOrDefault(RecordKind.SegmentGraph));
        return (_records, counts, _hash.GetHashAndReset());
    }

    /// <summary>Zeroes the page buffer.</summary>
    public void Dispose()
    {
        _page.Dispose();
        _hash.Dispose();
    }

    private void Flush()
    {
        if (_used == 0)
        {
            return;
        }

        var header = new RecordHeader(_kind, _collectionId, _segmentId, (ulong)_records.Count + 1);
        var record = PageCipher.Seal(_key, _tenant, header, _page.Span[.._used]);
        _page.Span[.._used].Clear();
        _used = 0;
        _hash.AppendData(record);
        _records.Add(record);
        _pages[_kind] = _pages.GetValueOrDefault(_kind) + 1;
    }
}
