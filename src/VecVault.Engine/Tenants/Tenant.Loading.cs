using Microsoft.Extensions.Logging;
using VecVault.Core.Errors;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Engine.Collections;
using VecVault.Storage.Log;
using VecVault.Storage.Records;

namespace VecVault.Engine.Tenants;

internal sealed partial class Tenant
{
    /// <summary>
    /// Opens a tenant's log and loads it. A tenant whose KEK is unusable or whose HSM does not answer is kept,
    /// denied, and loaded by a later key check once the key answers.
    /// </summary>
    public static Tenant Open(string directory, IKekService keys, AuditLog audit, SegmentCache cache, TenantLogOptions options, ILogger logger, TimeProvider time)
    {
        var log = TenantLog.Open(directory, options, logger);
        var first = log.ReadAll().FirstOrDefault();
        if (first.Bytes is null || !RecordHeader.TryRead(first.Bytes, out var header) || header.Kind != RecordKind.TenantCreated)
        {
            log.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new VecVaultException(ErrorCode.DataLoss, $"log in '{Path.GetFileName(directory)}' does not start with a tenant record");
        }

        var tenant = new Tenant(RecordCodec.Decode<TenantRecord>(first.Bytes), log, keys, audit, cache, logger, time);
        if (tenant.Id.Value != Path.GetFileName(directory))
        {
            tenant.Deny(new VecVaultException(ErrorCode.DataLoss, "the tenant record names another tenant than its directory"), TenantState.Active);
            return tenant;
        }

        tenant.TryLoad();
        return tenant;
    }

    /// <summary>
    /// Replays the log into fresh collections, in three passes: the key records; then the catalog and the sealed
    /// segments (their points pages authenticated and decrypted, in segment id order; their content loads on first
    /// use); then the WAL runs no sealed segment replaced (descriptors unwrapped through the HSM, batches
    /// authenticated, decrypted and applied). A record of a collection that fails an integrity check quarantines that
    /// collection; other collections keep serving. On a key or HSM failure nothing stays loaded and the tenant is
    /// denied. The caller holds the catalog gate (or owns the tenant).
    /// </summary>
    private bool TryLoad()
    {
        var byId = new Dictionary<ulong, Collection>();
        try
        {
            // First the key records, so every DEK is unwrapped under the wrapping in effect (a rotated-away KEK may be destroyed).
            var ledger = KeyLedger.Read(_record, Log.ReadAll().Skip(1));
            _kek = ledger.Kek;
            _kekVersion = ledger.KekVersion;

            // Fails fast when the key is unusable, and lets the adapter cache what it needs (an RSA public key).
            Keys.Check(Kek);
            var scan = new SealedScan();
            var found = new List<FoundSegment>();
            foreach (var record in Log.ReadAll().Skip(1))
            {
                ReplayCatalog(record, byId, scan, found);
            }

            foreach (var segment in found.OrderBy(f => f.Descriptor.Key.SegmentId))
            {
                if (byId.TryGetValue(segment.CollectionId, out var owner) && !owner.IsQuarantined)
                {
                    Guard(owner, segment.Descriptor.Key.SegmentId, () => owner.RecoverSealed(
                        segment.Descriptor, ledger.WrappingOf(segment.CollectionId, segment.Descriptor.Key.SegmentId), segment.PointsPages, segment.Pages));
                }
            }

            foreach (var record in Log.ReadAll().Skip(1))
            {
                ReplayWal(record, byId, ledger);
                CountGarbage(record, byId, ledger);
            }
        }
        catch (VecVaultException e)
        {
            foreach (var collection in byId.Values)
            {
                collection.Unload(e);
            }

            _collections.Clear();
            LogTenantNotLoaded(_logger, Id.Value, e.Code.ToString(), e.Message);
            Audit.Write("load-failed", Id.Value, [new("code", e.Code.ToString()), new("reason", e.Message)]);
            Deny(e, e.Code switch
            {
                ErrorCode.KeyRevoked => TenantState.KeyRevoked,
                ErrorCode.HsmUnavailable => TenantState.HsmUnavailable,
                _ => TenantState.Active,
            });
            return false;
        }

        foreach (var collection in byId.Values)
        {
            collection.FinishRecovery();
        }

        _loaded = true;
        _denial = null;
        State = TenantState.Active;
        return true;
    }

    private void Deny(VecVaultException reason, TenantState state)
    {
        _denial = reason;
        State = state;
    }

    /// <summary>Second pass: collections created and deleted, and the sealed segments found.</summary>
    private void ReplayCatalog(LogRecord record, Dictionary<ulong, Collection> byId, SealedScan scan, List<FoundSegment> found)
    {
        if (!RecordHeader.TryRead(record.Bytes, out var header))
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"record at {record.Address} of tenant '{Id}' has an unknown header");
        }

        switch (header.Kind)
        {
            case RecordKind.CollectionCreated:
                var created = RecordCodec.Decode<CollectionRecord>(record.Bytes);
                var collection = new Collection(this, created.CollectionId, created.Name, created.ToConfig());
                byId[created.CollectionId] = collection;
                _collections[created.Name] = collection;
                _nextCollectionId = Math.Max(_nextCollectionId, created.CollectionId + 1);
                break;
            case RecordKind.CollectionDeleted:
                if (byId.Remove(header.CollectionId, out var deleted))
                {
                    _collections.TryRemove(deleted.Name, out _);
                    deleted.Dispose();
                }

                break;
            case RecordKind.SegmentOpened or RecordKind.WalBatch or RecordKind.DekRewrapped or RecordKind.KekRotated:
                // Replayed by the third pass; key records read by the key ledger.
                break;
            case RecordKind.SegmentSealed or RecordKind.SegmentPoints or RecordKind.SegmentVectors or RecordKind.SegmentPayloads or RecordKind.SegmentGraph:
                if (byId.TryGetValue(header.CollectionId, out var owner) && !owner.IsQuarantined)
                {
                    Guard(owner, header.SegmentId, () =>
                    {
                        if (scan.Feed(header, record) is { } segment)
                        {
                            found.Add(segment);
                        }
                    });
                }

                break;
            default:
                throw new VecVaultException(ErrorCode.DataLoss, $"record at {record.Address} of tenant '{Id}' has unexpected kind {header.Kind}");
        }
    }

    /// <summary>Third pass: the WAL runs of every collection's active segment.</summary>
    private static void ReplayWal(LogRecord record, Dictionary<ulong, Collection> byId, KeyLedger ledger)
    {
        if (!RecordHeader.TryRead(record.Bytes, out var header) || header.Kind is not (RecordKind.SegmentOpened or RecordKind.WalBatch)
            || !byId.TryGetValue(header.CollectionId, out var owner) || owner.IsQuarantined || ledger.IsReplaced(header.CollectionId, header.SegmentId))
        {
            return;
        }

        Guard(owner, header.SegmentId, () =>
        {
            if (header.Kind == RecordKind.SegmentOpened)
            {
                owner.RecoverSegment(RecordCodec.Decode<SegmentRecord>(record.Bytes), ledger.WrappingOf(header.CollectionId, header.SegmentId));
            }
            else
            {
                owner.RecoverBatch(header, record.Bytes);
            }
        });
    }

    /// <summary>Counts a record that holds nothing live (a deleted collection's, or a WAL run's a seal replaced) for compaction.</summary>
    private void CountGarbage(LogRecord record, Dictionary<ulong, Collection> byId, KeyLedger ledger)
    {
        if (!RecordHeader.TryRead(record.Bytes, out var header) || header.Kind is RecordKind.TenantCreated or RecordKind.KekRotated)
        {
            return;
        }

        if (!byId.ContainsKey(header.CollectionId))
        {
            _holdsDeletedRecords = true;
        }
        else if (header.Kind is RecordKind.SegmentOpened or RecordKind.WalBatch && ledger.IsReplaced(header.CollectionId, header.SegmentId))
        {
            AddReclaimable(record.Bytes.Length);
        }
    }

    /// <summary>Runs one recovery step of a collection; an integrity failure quarantines the collection, naming the segment.</summary>
    private static void Guard(Collection owner, ulong segmentId, Action step)
    {
        try
        {
            step();
        }
        catch (VecVaultException e) when (e.Code == ErrorCode.DataLoss)
        {
            owner.Quarantine(segmentId, e.Message);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Tenant {Tenant} is not served: {Code}: {Reason}")]
    private static partial void LogTenantNotLoaded(ILogger logger, string tenant, string code, string reason);
}
