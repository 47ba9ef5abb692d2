using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Engine.Collections;
using VecVault.Storage.Log;
using VecVault.Storage.Records;

namespace VecVault.Engine.Tenants;

/// <summary>
/// A tenant: its log, its KEK reference and its collections. The collections hold the tenant's decrypted data
/// only while the tenant is loaded; a revoked KEK unloads (zeroes) them, and a KEK that becomes usable again
/// loads them anew from the log.
/// </summary>
internal sealed partial class Tenant : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Collection> _collections = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _catalogGate = new(1, 1);
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private TenantRecord _record;
    private KekReference _kek;
    private uint _kekVersion;
    private ulong _nextCollectionId;
    private volatile VecVaultException? _denial;
    private bool _loaded;
    private long? _outageSince;
    private bool _holdsDeletedRecords;
    private long _reclaimableBytes;

    private Tenant(TenantRecord record, TenantLog log, IKekService keys, AuditLog audit, SegmentCache cache, ILogger logger, TimeProvider time)
    {
        Audit = audit;
        Cache = cache;
        _record = record;
        _kek = record.Kek;
        _kekVersion = record.KekVersion;
        _nextCollectionId = record.NextCollectionId;
        Id = TenantId.Parse(record.TenantId);
        Log = log;
        Keys = keys;
        _logger = logger;
        _time = time;
    }

    public TenantId Id { get; }

    /// <summary>The tenant's log; replaced by a rewrite (<see cref="RotateDataKeysAsync"/>) while every write is held.</summary>
    public TenantLog Log { get; private set; }

    public IKekService Keys { get; }

    /// <summary>
    /// Held shared while a sealed segment's pages are read from <see cref="Log"/>, exclusively while a rewrite swaps the
    /// log and attaches the segments to their new pages. Never wait for a collection's state lock while holding it exclusively.
    /// </summary>
    public ReaderWriterLockSlim LogGate { get; } = new();

    /// <summary>The engine's cache of loaded sealed segments.</summary>
    public SegmentCache Cache { get; }

    /// <summary>The clock of the tenant's timers and measurements.</summary>
    public TimeProvider Time => _time;

    /// <summary>The audit log every key operation of the tenant is written to.</summary>
    public AuditLog Audit { get; }

    /// <summary>The KEK the tenant is bound to now (changed by a rotation). Read it under <see cref="KekGate"/> to wrap a new DEK.</summary>
    public KekReference Kek => _kek;

    /// <summary>The current KEK version: 1 at creation, plus one per rotation. Part of every DEK's context.</summary>
    public uint KekVersion => _kekVersion;

    /// <summary>Held while a DEK is wrapped and its descriptor appended, and for the whole of a KEK rotation, so every segment's DEK is wrapped under the KEK in effect.</summary>
    public SemaphoreSlim KekGate { get; } = new(1, 1);

    /// <summary>Counts log bytes that no longer hold anything live (WAL runs a seal replaced): the next rewrite drops them.</summary>
    public void AddReclaimable(long bytes) => Interlocked.Add(ref _reclaimableBytes, bytes);

    /// <summary>The state the last key check or load left the tenant in.</summary>
    public TenantState State { get; private set; } = TenantState.Active;

    /// <summary>Creates the tenant's log and binds it to the KEK, after checking the KEK in the HSM.</summary>
    public static async Task<Tenant> CreateAsync(string directory, TenantRecord record, IKekService keys, AuditLog audit, SegmentCache cache, TenantLogOptions options, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        await Task.Run(() => keys.Check(record.Kek), cancellationToken);
        var log = TenantLog.Open(directory, options, logger);
        try
        {
            await log.AppendAsync(RecordCodec.Encode(new RecordHeader(RecordKind.TenantCreated, 0, 0, 0), record), cancellationToken);
        }
        catch
        {
            await log.DisposeAsync();
            throw;
        }

        audit.Write("tenant-created", record.TenantId, [new("kek", record.Kek.ToString()), new("kek_version", record.KekVersion.ToString(CultureInfo.InvariantCulture))]);
        return new Tenant(record, log, keys, audit, cache, logger, time) { _loaded = true };
    }

    public TenantInfo Info() => new(
        Id,
        _kek,
        _kekVersion,
        State,
        _record.OutagePolicy,
        TimeSpan.FromMilliseconds(_record.OutageGraceMilliseconds),
        _record.CreatedAt,
        _collections.Count,
        _denial is null ? _collections.Values.Sum(c => c.Info().PointCount) : 0);

    public async Task<CollectionInfo> CreateCollectionAsync(string name, CollectionConfig config, CancellationToken cancellationToken)
    {
        ThrowIfDenied();
        await _catalogGate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDenied();
            if (_collections.ContainsKey(name))
            {
                throw new VecVaultException(ErrorCode.AlreadyExists, $"collection '{name}' already exists", "name");
            }

            var id = _nextCollectionId;
            var record = CollectionRecord.Of(id, name, config);
            await Log.AppendAsync(RecordCodec.Encode(new RecordHeader(RecordKind.CollectionCreated, id, 0, 0), record), cancellationToken);
            _nextCollectionId = id + 1;
            var collection = new Collection(this, id, name, config);
            _collections[name] = collection;
            return collection.Info();
        }
        finally
        {
            _catalogGate.Release();
        }
    }

    public async Task DeleteCollectionAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfDenied();
        await _catalogGate.WaitAsync(cancellationToken);
        try
        {
            var collection = GetCollection(name);
            await Log.AppendAsync(RecordCodec.Encode(new RecordHeader(RecordKind.CollectionDeleted, collection.Id, 0, 0), new CollectionDeletedRecord(collection.Id)), cancellationToken);
            _collections.TryRemove(name, out _);
            collection.Dispose();

            // Its records (ciphertext and wrapped DEKs) leave the disk with the next compaction's rewrite.
            _holdsDeletedRecords = true;
        }
        finally
        {
            _catalogGate.Release();
        }
    }

    /// <summary>The collection named <paramref name="name"/>; NotFound otherwise.</summary>
    public Collection GetCollection(string name)
    {
        ThrowIfDenied();
        return _collections.TryGetValue(name, out var collection) ? collection
            : throw VecVaultException.NotFound($"collection '{name}' not found");
    }

    public IReadOnlyList<CollectionInfo> ListCollections()
    {
        ThrowIfDenied();
        return [.. _collections.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Info())];
    }

    public async ValueTask DisposeAsync()
    {
        await Log.DisposeAsync();
        Unload(new VecVaultException(ErrorCode.HsmUnavailable, "the server is stopping"));
    }

    /// <summary>Every quarantined segment of the tenant's collections.</summary>
    public IEnumerable<(string Collection, ulong Segment, string Reason)> Quarantined() =>
        _collections.Values.Select(c => (c.Name, c.Quarantined)).Where(q => q.Quarantined is not null)
            .Select(q => (q.Name, q.Quarantined!.Value.Segment, q.Quarantined.Value.Reason));

    /// <summary>Seals the active segment of <paramref name="name"/>; returns the sealed segment's id (0: nothing to seal).</summary>
    public Task<ulong> SealAsync(string name, CancellationToken cancellationToken) => GetCollection(name).SealAsync(cancellationToken);

    /// <summary>Logs a background seal that failed (the points stay in the WAL).</summary>
    public void SealFailed(string collection, Exception exception) => LogSealFailed(_logger, exception, Id.Value, collection);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Tenant {Tenant}: sealing a segment of collection {Collection} failed; its points stay in the WAL")]
    private static partial void LogSealFailed(ILogger logger, Exception exception, string tenant, string collection);

    private void ThrowIfDenied()
    {
        if (_denial is { } denial)
        {
            throw new VecVaultException(denial.Code, $"tenant '{Id}' is not served: {denial.Message}");
        }
    }

    /// <summary>Zeroes and drops every collection's decrypted data; requests still holding one get <paramref name="reason"/>.</summary>
    private void Unload(VecVaultException reason)
    {
        foreach (var collection in _collections.Values)
        {
            collection.Unload(reason);
        }

        _collections.Clear();
        _loaded = false;
    }
}
