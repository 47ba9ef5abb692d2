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
    public static Tenant Open(string directory, IKekService keys, AuditLog audit, TenantLogOptions options, ILogger logger, TimeProvider time)
    {
        var log = TenantLog.Open(directory, options, logger);
        var first = log.ReadAll().FirstOrDefault();
        if (first.Bytes is null || !RecordHeader.TryRead(first.Bytes, out var header) || header.Kind != RecordKind.TenantCreated)
        {
            log.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new VecVaultException(ErrorCode.DataLoss, $"log in '{Path.GetFileName(directory)}' does not start with a tenant record");
        }

        var tenant = new Tenant(RecordCodec.Decode<TenantRecord>(first.Bytes), log, keys, audit, logger, time);
        if (tenant.Id.Value != Path.GetFileName(directory))
        {
            tenant.Deny(new VecVaultException(ErrorCode.DataLoss, "the tenant record names another tenant than its directory"), TenantState.Active);
            return tenant;
        }

        tenant.TryLoad();
        return tenant;
    }

    /// <summary>
    /// Replays the log into fresh collections: catalog records, segment descriptors (each DEK unwrapped through
    /// the HSM) and WAL batches (each authenticated and decrypted). A record of a collection that fails an
    /// integrity check quarantines that collection; other collections keep serving. On a key or HSM failure
    /// nothing stays loaded and the tenant is denied. The caller holds the catalog gate (or owns the tenant).
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
            foreach (var record in Log.ReadAll().Skip(1))
            {
                Replay(record, byId, ledger);
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

    private void Replay(LogRecord record, Dictionary<ulong, Collection> byId, KeyLedger ledger)
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
            case RecordKind.SegmentOpened:
            case RecordKind.WalBatch:
                if (!byId.TryGetValue(header.CollectionId, out var owner) || owner.IsQuarantined)
                {
                    break;
                }

                try
                {
                    if (header.Kind == RecordKind.SegmentOpened)
                    {
                        owner.RecoverSegment(RecordCodec.Decode<SegmentRecord>(record.Bytes), ledger.WrappingOf(header.CollectionId, header.SegmentId));
                    }
                    else
                    {
                        owner.RecoverBatch(header, record.Bytes);
                    }
                }
                catch (VecVaultException e) when (e.Code == ErrorCode.DataLoss)
                {
                    owner.Quarantine($"segment {header.SegmentId}: {e.Message}");
                }

                break;
            case RecordKind.DekRewrapped or RecordKind.KekRotated:
                // Read by the key ledger.
                break;
            default:
                throw new VecVaultException(ErrorCode.DataLoss, $"record at {record.Address} of tenant '{Id}' has unexpected kind {header.Kind}");
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Tenant {Tenant} is not served: {Code}: {Reason}")]
    private static partial void LogTenantNotLoaded(ILogger logger, string tenant, string code, string reason);
}
