using System.Security.Cryptography;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Memory.Locked;
using VecVault.Storage.Records;

namespace VecVault.Engine.Collections;

/// <summary>
/// Opens a sealed segment's pages, checking each against the descriptor: its kind is the section the descriptor puts
/// at its position, it names the segment, its sequence number is its position (1, 2, ...), and it authenticates
/// under the segment's DEK. Plaintext is opened into one page buffer of locked memory, zeroed before the next page.
/// </summary>
public sealed class SegmentPageReader : IDisposable
{
    private readonly DataKey _key;
    private readonly TenantId _tenant;
    private readonly SealedSegmentRecord _descriptor;
    private readonly LockedBuffer _page;
    private int _length;

    /// <summary>Prepares to open the pages of <paramref name="descriptor"/>'s segment under <paramref name="key"/>.</summary>
    public SegmentPageReader(DataKey key, TenantId tenant, SealedSegmentRecord descriptor, int maxRecordBytes)
    {
        _key = key;
        _tenant = tenant;
        _descriptor = descriptor;
        _page = LockedBuffer.Allocate(maxRecordBytes - PageCipher.Overhead);
    }

    /// <summary>The section kind of page <paramref name="sequence"/> (1-based) of a segment with <paramref name="pages"/>.</summary>
    public static RecordKind KindAt(SegmentPageCounts pages, ulong sequence) => sequence switch
    {
        _ when sequence <= (ulong)pages.Points => RecordKind.SegmentPoints,
        _ when sequence <= (ulong)(pages.Points + pages.Vectors) => RecordKind.SegmentVectors,
        _ when sequence <= (ulong)(pages.Points + pages.Vectors + pages.Payloads) => RecordKind.SegmentPayloads,
        _ => RecordKind.SegmentGraph,
    };

    /// <summary>
    /// Checks that <paramref name="records"/> are exactly the segment's pages, in order, with the descriptor's content
    /// hash (ciphertext only: nothing is decrypted). DataLoss otherwise.
    /// </summary>
    public static void CheckPages(SealedSegmentRecord descriptor, IReadOnlyList<byte[]> records)
    {
        if (records.Count != descriptor.Pages.Total)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"holds {records.Count} pages where its descriptor names {descriptor.Pages.Total}");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var record in records)
        {
            hash.AppendData(record);
        }

        if (!CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), descriptor.ContentHash))
        {
            throw new VecVaultException(ErrorCode.DataLoss, "its pages do not match its descriptor's content hash");
        }
    }

    /// <summary>Opens page <paramref name="sequence"/>; the plaintext is valid until the next call.</summary>
    public ReadOnlySpan<byte> Open(byte[] record, ulong sequence)
    {
        _page.Span[.._length].Clear();
        _length = 0;
        var expected = KindAt(_descriptor.Pages, sequence);
        if (!RecordHeader.TryRead(record, out var header) || header.Kind != expected
            || header.CollectionId != _descriptor.Key.CollectionId || header.SegmentId != _descriptor.Key.SegmentId || header.Sequence != sequence)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"page {sequence} is not the {expected} page its descriptor expects there");
        }

        if (record.Length - PageCipher.Overhead > _page.Length)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"page {sequence} is larger than a page");
        }

        _length = PageCipher.Open(_key, _tenant, record, _page.Span);
        return _page.Span[.._length];
    }

    /// <summary>Zeroes the page buffer.</summary>
    public void Dispose() => _page.Dispose();
}
