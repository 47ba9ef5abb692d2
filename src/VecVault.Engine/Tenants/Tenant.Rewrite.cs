using System.Globalization;
using Microsoft.Extensions.Logging;
using VecVault.Core.Errors;
using VecVault.Crypto.Pages;
using VecVault.Engine.Collections;
using VecVault.Storage.Log;
using VecVault.Storage.Records;

namespace VecVault.Engine.Tenants;

internal sealed partial class Tenant
{
    /// <summary>
    /// DEK rotation: rewrites the tenant's log so the data of <paramref name="collectionName"/> (every collection when
    /// null) is re-encrypted under fresh DEKs, one fresh segment per collection. The old log, with every record and
    /// wrapped DEK of the rotated-away keys, deleted points and replaced versions, is then deleted: a leaked old DEK
    /// opens nothing that is still stored. Other collections' records are copied as they are (ciphertext). Writes wait
    /// while it runs; reads go on.
    /// </summary>
    /// <returns>How many segments were re-encrypted under fresh DEKs.</returns>
    public async Task<int> RotateDataKeysAsync(string? collectionName, CancellationToken cancellationToken)
    {
        ThrowIfDenied();
        return await HoldingEverythingAsync(async () =>
        {
            ThrowIfDenied();
            var rotate = collectionName is null ? [.. _collections.Values.Where(c => !c.IsQuarantined)] : new List<Collection> { GetCollection(collectionName) };
            if (rotate.FirstOrDefault(c => c.IsQuarantined) is { } quarantined)
            {
                throw new VecVaultException(ErrorCode.DataLoss, $"collection '{quarantined.Name}' is quarantined; its data cannot be re-encrypted", "collection");
            }

            var rotatedSegments = await RewriteLogAsync(rotate, [], cancellationToken);
            LogDataKeysRotated(_logger, Id.Value, rotatedSegments, rotate.Count);
            Audit.Write("deks-rotated", Id.Value,
            [
                new("collections", string.Join(",", rotate.Select(c => c.Name))),
                new("rotated_segments", rotatedSegments.ToString(CultureInfo.InvariantCulture)),
                new("kek", _kek.ToString()),
            ]);
            return rotatedSegments;
        }, cancellationToken);
    }

    /// <summary>
    /// Compaction: sealed segments whose dead share of slots is at least <paramref name="deadRatio"/> are copied with
    /// their live points only (while writes go on), then the tenant's log is rewritten with those copies under fresh
    /// DEKs, dropping the records of deleted collections and the WAL runs sealed segments replaced. The log is
    /// rewritten when a segment qualifies, a deleted collection's records remain, or at least <paramref name="deadRatio"/>
    /// of the log's bytes are replaced WAL runs. Returns how many segments were compacted (-1: no rewrite was needed).
    /// </summary>
    public async Task<int> CompactAsync(double deadRatio, CancellationToken cancellationToken)
    {
        if (_denial is not null)
        {
            return -1;
        }

        var compactions = new List<(Collection Collection, Compaction Compaction)>();
        try
        {
            foreach (var collection in _collections.Values.Where(c => !c.IsQuarantined))
            {
                foreach (var segment in collection.CompactionCandidates(deadRatio))
                {
                    compactions.Add((collection, collection.BuildCompaction(segment)));
                }
            }

            var reclaimable = Volatile.Read(ref _reclaimableBytes);
            if (compactions.Count == 0 && !_holdsDeletedRecords && (reclaimable == 0 || reclaimable < deadRatio * Log.CommittedUntilAddress))
            {
                return -1;
            }

            // A collection deleted while its segments were copied has nothing left to compact.
            await HoldingEverythingAsync(
                () => RewriteLogAsync([], [.. compactions.Where(c => _collections.TryGetValue(c.Collection.Name, out var live) && live == c.Collection)], cancellationToken),
                cancellationToken);
        }
        finally
        {
            // Installed compactions belong to their segments now; the others are zeroed.
            foreach (var (_, compaction) in compactions.Where(c => !c.Compaction.Installed))
            {
                compaction.Content.Dispose();
            }
        }

        var installed = compactions.Where(c => c.Compaction.Installed).ToList();
        LogCompacted(_logger, Id.Value, installed.Count);
        Audit.Write("compacted", Id.Value,
        [
            new("segments", string.Join(",", installed.Select(c => $"{c.Collection.Name}/{c.Compaction.Old.Id}"))),
            new("kek", _kek.ToString()),
        ]);
        return installed.Count;
    }

    /// <summary>Runs <paramref name="rewrite"/> holding the catalog gate, every collection's seals and writes, and the KEK gate.</summary>
    private async Task<T> HoldingEverythingAsync<T>(Func<Task<T>> rewrite, CancellationToken cancellationToken)
    {
        await _catalogGate.WaitAsync(cancellationToken);
        var held = new List<Collection>();
        try
        {
            ThrowIfDenied();

            // Writers take their seal and write gates before the KEK gate (to open or seal a segment): the same order here.
            foreach (var collection in _collections.Values.OrderBy(c => c.Id))
            {
                await collection.HoldSealsAndWritesAsync(cancellationToken);
                held.Add(collection);
            }

            await KekGate.WaitAsync(cancellationToken);
            try
            {
                return await rewrite();
            }
            finally
            {
                KekGate.Release();
            }
        }
        finally
        {
            foreach (var collection in held)
            {
                collection.ReleaseSealsAndWrites();
            }

            _catalogGate.Release();
        }
    }

    /// <summary>
    /// Rewrites the log beside the live one and swaps it in: <paramref name="rotate"/>d collections under fresh DEKs,
    /// the <paramref name="compactions"/> in their segments' place, everything else copied as ciphertext. Returns how
    /// many segments of the rotated collections were re-encrypted.
    /// </summary>
    private async Task<int> RewriteLogAsync(List<Collection> rotate, List<(Collection Collection, Compaction Compaction)> compactions, CancellationToken cancellationToken)
    {
        var ledger = KeyLedger.Read(_record, Log.ReadAll().Skip(1));
        var rotatedSegments = ledger.Segments.Count(s => rotate.Any(c => c.Id == s.Collection.CollectionId));
        var directory = Log.Directory;
        var target = LogRewrite.RewriteDirectory(directory);
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        var record = _record with { Kek = _kek, KekVersion = _kekVersion, NextCollectionId = _nextCollectionId };
        var rewritten = new Dictionary<Collection, WalSegment>();
        var log = TenantLog.Open(target, Log.Options, _logger);
        try
        {
            // Enqueued in order and committed together: the log is not live until it is complete.
            var appends = new List<Task<long>> { log.AppendAsync(RecordCodec.Encode(new RecordHeader(RecordKind.TenantCreated, 0, 0, 0), record), cancellationToken) };
            foreach (var collection in _collections.Values.OrderBy(c => c.Id))
            {
                var created = CollectionRecord.Of(collection.Id, collection.Name, collection.Config);
                appends.Add(log.AppendAsync(RecordCodec.Encode(new RecordHeader(RecordKind.CollectionCreated, collection.Id, 0, 0), created), cancellationToken));
            }

            var compacted = compactions.Select(c => (c.Collection.Id, c.Compaction.Old.Id)).ToHashSet();
            appends.AddRange(CopyRecords(log, ledger, [.. _collections.Values.Except(rotate).Select(c => c.Id)], compacted, cancellationToken));
            await Task.WhenAll(appends);
            foreach (var (collection, compaction) in compactions)
            {
                await collection.WriteCompactionAsync(log, compaction, cancellationToken);
            }

            foreach (var collection in rotate)
            {
                rewritten[collection] = await collection.RewriteAsync(log, cancellationToken);
            }

            await log.DisposeAsync();
        }
        catch
        {
            await log.DisposeAsync();
            Directory.Delete(target, recursive: true);
            foreach (var segment in rewritten.Values)
            {
                segment.Dispose();
            }

            throw;
        }

        // Compacted segments take their old segments' place before the swap: they are loaded, so no search reads the old pages.
        foreach (var (collection, compaction) in compactions)
        {
            collection.InstallCompaction(compaction);
        }

        SwapLog(directory, record);
        foreach (var (collection, segment) in rewritten)
        {
            collection.InstallRewrite(segment);
        }

        _holdsDeletedRecords = false;
        Volatile.Write(ref _reclaimableBytes, 0);
        return rotatedSegments;
    }

    /// <summary>Copies the segment descriptors (with the wrapping in effect) and WAL records of the given collections, as ciphertext.</summary>
    private IEnumerable<Task<long>> CopyRecords(TenantLog target, KeyLedger ledger, HashSet<ulong> collections, HashSet<(ulong, ulong)> compacted, CancellationToken cancellationToken)
    {
        if (collections.Count == 0)
        {
            yield break;
        }

        foreach (var record in Log.ReadAll().Skip(1))
        {
            if (!RecordHeader.TryRead(record.Bytes, out var header) || !collections.Contains(header.CollectionId))
            {
                continue;
            }

            // A WAL run a sealed segment replaced is dropped, and so is a segment being compacted (its copy follows);
            // pages and batches are copied as ciphertext.
            if (compacted.Contains((header.CollectionId, header.SegmentId)) && header.Kind is RecordKind.SegmentSealed or RecordKind.SegmentPoints
                or RecordKind.SegmentVectors or RecordKind.SegmentPayloads or RecordKind.SegmentGraph)
            {
                continue;
            }

            switch (header.Kind)
            {
                case RecordKind.SegmentOpened or RecordKind.WalBatch when ledger.IsReplaced(header.CollectionId, header.SegmentId):
                    break;
                case RecordKind.SegmentOpened:
                    var wrapping = ledger.WrappingOf(header.CollectionId, header.SegmentId);
                    var descriptor = RecordCodec.Decode<SegmentRecord>(record.Bytes) with { WrappedDek = wrapping.WrappedDek, KekVersion = wrapping.KekVersion };
                    yield return target.AppendAsync(RecordCodec.Encode(header, descriptor), cancellationToken);
                    break;
                case RecordKind.SegmentSealed:
                    var sealedWrapping = ledger.WrappingOf(header.CollectionId, header.SegmentId);
                    var sealedDescriptor = SealedSegmentRecord.Decode(header, record.Bytes);
                    sealedDescriptor = sealedDescriptor with { Key = sealedDescriptor.Key with { WrappedDek = sealedWrapping.WrappedDek, KekVersion = sealedWrapping.KekVersion } };
                    yield return target.AppendAsync(RecordCodec.Encode(header, sealedDescriptor), cancellationToken);
                    break;
                case RecordKind.WalBatch or RecordKind.SegmentPoints or RecordKind.SegmentVectors or RecordKind.SegmentPayloads or RecordKind.SegmentGraph:
                    yield return target.AppendAsync(record.Bytes, cancellationToken);
                    break;
            }
        }
    }

    /// <summary>After a log rewrite: tells every sealed segment where its pages are now, and under which descriptor.</summary>
    /// <summary>
    /// Closes the live log, puts the rewrite (which begins with <paramref name="record"/>) in its place, opens it and attaches every sealed segment to its pages there,
    /// while no sealed segment is being read (see <see cref="LogGate"/>). If that fails the tenant is denied: its log is not open.
    /// </summary>
    private void SwapLog(string directory, TenantRecord record)
    {
        // Taken before the gate: a collection's state lock is never taken while the gate is held exclusively.
        var segments = _collections.Values.SelectMany(c => c.SealedSegments().Select(s => (Key: (c.Id, s.Id), Segment: s))).ToDictionary(e => e.Key, e => e.Segment);
        LogGate.EnterWriteLock();
        try
        {
            Log.DisposeAsync().AsTask().GetAwaiter().GetResult();
            LogRewrite.Replace(directory);
            Log = TenantLog.Open(directory, Log.Options, _logger);
            _record = record;
            var ledger = KeyLedger.Read(record, Log.ReadAll().Skip(1));
            var scan = new SealedScan();
            foreach (var entry in Log.ReadAll().Skip(1))
            {
                if (RecordHeader.TryRead(entry.Bytes, out var header) && scan.Feed(header, entry) is { } found
                    && segments.TryGetValue((found.CollectionId, found.Descriptor.Key.SegmentId), out var segment))
                {
                    segment.Attach(found.Descriptor, ledger.WrappingOf(found.CollectionId, found.Descriptor.Key.SegmentId), found.Pages);
                }
            }
        }
        catch (Exception e)
        {
            Deny(new VecVaultException(ErrorCode.Internal, "the tenant's log could not be reopened after a rewrite; restart the server"), State);
            LogSwapFailed(_logger, e, Id.Value);
            throw;
        }
        finally
        {
            LogGate.ExitWriteLock();
        }

        foreach (var segment in segments.Values)
        {
            Cache.Track(segment);
        }
    }

    [LoggerMessage(EventId = 4205, Level = LogLevel.Information, Message = "Tenant {Tenant} rotated its data keys: {Segments} segments of {Collections} collections re-encrypted, old log deleted")]
    private static partial void LogDataKeysRotated(ILogger logger, string tenant, int segments, int collections);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Information, Message = "Tenant {Tenant} compacted {Segments} segments and rewrote its log")]
    private static partial void LogCompacted(ILogger logger, string tenant, int segments);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Critical, Message = "Tenant {Tenant}: its log could not be reopened after a rewrite")]
    private static partial void LogSwapFailed(ILogger logger, Exception exception, string tenant);
}
