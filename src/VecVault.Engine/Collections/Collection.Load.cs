using System.Diagnostics;
using VecVault.Core.Errors;
using VecVault.Crypto.Keys;
using VecVault.Engine.Tenants;
using VecVault.Storage.Records;

namespace VecVault.Engine.Collections;

// Lazy load: a sealed segment's content is read and decrypted on first use, through the engine's segment cache.
internal sealed partial class Collection
{
    /// <summary>
    /// Holds <paramref name="segment"/>'s content for one use, loading it when it is not loaded. A segment that fails
    /// to load quarantines the collection (DataLoss naming the segment); a key or HSM failure is thrown as it is.
    /// </summary>
    private SegmentUse Use(SealedSegment segment)
    {
        try
        {
            var slots = segment.Descriptor?.Slots ?? 0;
            var expected = (long)slots * Config.Dimension * sizeof(float);
            return new SegmentUse(_tenant.Cache, segment, _tenant.Cache.Acquire(segment, expected, () => Load(segment)));
        }
        catch (VecVaultException e) when (e.Code == ErrorCode.DataLoss)
        {
            Quarantine(segment.Id, e.Message);
            ThrowIfUnavailable();
            throw;
        }
        catch (ObjectDisposedException)
        {
            ThrowIfUnavailable();
            throw;
        }
    }

    /// <summary>Reads the segment's pages, unwraps its DEK through the HSM, checks the pages, decrypts them into locked memory and attaches the stored graph.</summary>
    private SegmentContent Load(SealedSegment segment)
    {
        var started = Stopwatch.GetTimestamp();
        SealedSegmentRecord descriptor;
        DekWrapping wrapping;
        List<byte[]> records;

        // The descriptor, the wrapping and the pages read together: a log rewrite moves all three at once.
        _tenant.LogGate.EnterReadLock();
        try
        {
            descriptor = segment.Descriptor ?? throw new InvalidOperationException("a segment still being sealed is always loaded");
            wrapping = segment.Wrapping;
            records = [.. _tenant.Log.Read(segment.Pages).Take(descriptor.Pages.Total).Select(r => r.Bytes)];
        }
        finally
        {
            _tenant.LogGate.ExitReadLock();
        }

        var read = Stopwatch.GetTimestamp();
        using var key = UnwrapSealed(segment.Id, descriptor.Key, wrapping);
        var unwrapped = Stopwatch.GetTimestamp();

        // The content hash (SHA-256, slower than AES-GCM here) is checked on another core while the pages, each
        // authenticated by its own tag, are decrypted; nothing decrypted is used unless both succeed.
        var hashed = Task.Run(() => SegmentPageReader.CheckPages(descriptor, records));
        var graphBytes = records.Skip(descriptor.Pages.Total - descriptor.Pages.Graph).Sum(r => r.Length);
        using var reader = new SegmentPageReader(key, _tenant.Id, descriptor, _tenant.Log.MaxRecordBytes);
        using var content = new SegmentImage.ContentReader(Config, descriptor.Slots, graphBytes);
        try
        {
            for (var sequence = (ulong)descriptor.Pages.Points + 1; sequence <= (ulong)records.Count; sequence++)
            {
                content.Read(SegmentPageReader.KindAt(descriptor.Pages, sequence), reader.Open(records[(int)sequence - 1], sequence));
            }
        }
        finally
        {
            // A page count that does not match fails the hash check too; its error is the one reported.
            hashed.GetAwaiter().GetResult();
        }

        var decrypted = Stopwatch.GetTimestamp();
        var attached = content.Attach();
        _tenant.Cache.AddLoadTimes(unwrapped - read, read - started, decrypted - unwrapped, Stopwatch.GetTimestamp() - decrypted, records.Sum(r => (long)r.Length));
        return attached;
    }

    /// <summary>Unwraps a sealed segment's DEK, as its wrapping in effect stores it, through the HSM (audited).</summary>
    private DataKey UnwrapSealed(ulong segmentId, SegmentRecord descriptor, DekWrapping wrapping)
    {
        var context = DekContext.Encode(_tenant.Id, Id, segmentId, descriptor.DekId, wrapping.Kek, wrapping.KekVersion, ConfigDigest);
        var started = _tenant.Time.GetTimestamp();
        var key = new DataKey(_tenant.Keys.Unwrap(wrapping.Kek, wrapping.WrappedDek, context), descriptor.DekId, descriptor.NoncePrefix);
        _tenant.Audit.Write("unwrap", _tenant.Id.Value, KeyAudit.Segment(Name, segmentId, descriptor.DekId, wrapping.Kek, _tenant.Time.GetElapsedTime(started)));
        return key;
    }

    /// <summary>One use of a sealed segment's content; disposing it lets the cache evict the segment again.</summary>
    private readonly struct SegmentUse(SegmentCache cache, SealedSegment segment, SegmentContent content) : IDisposable
    {
        public SegmentContent Content { get; } = content;

        public void Dispose() => cache?.Release(segment);
    }
}
