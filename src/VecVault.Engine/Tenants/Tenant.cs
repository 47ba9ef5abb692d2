using System.Collections.Concurrent;
using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Tenants;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Engine.Collections;
using VecVault.Storage.Log;
using VecVault.Storage.Records;

namespace VecVault.Engine.Tenants;

/// <summary>A tenant: its log, its KEK reference and its collections.</summary>
internal sealed partial class Tenant : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Collection> _collections = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _catalogGate = new(1, 1);
    private readonly TenantRecord _record;
    private ulong _nextCollectionId = 1;

    private Tenant(TenantRecord record, TenantLog log, IKekService keys)
    {
        _record = record;
        Id = TenantId.Parse(record.TenantId);
        Log = log;
        Keys = keys;
    }

    public TenantId Id { get; }

    public TenantLog Log { get; }

    public IKekService Keys { get; }

    public KekReference Kek => _record.Kek;

    public uint KekVersion => _record.KekVersion;

    /// <summary>Set when the tenant could not be loaded; every request gets this error.</summary>
    public VecVaultException? LoadError { get; private set; }

    /// <summary>Creates the tenant's log and binds it to the KEK, after checking the KEK in the HSM.</summary>
    public static async Task<Tenant> CreateAsync(string directory, TenantRecord record, IKekService keys, TenantLogOptions options, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
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

        return new Tenant(record, log, keys);
    }

    public TenantInfo Info() => new(
        Id,
        _record.Kek,
        _record.KekVersion,
        LoadError?.Code == ErrorCode.KeyRevoked ? TenantState.KeyRevoked
            : LoadError?.Code == ErrorCode.HsmUnavailable ? TenantState.HsmUnavailable : TenantState.Active,
        _record.OutagePolicy,
        TimeSpan.FromMilliseconds(_record.OutageGraceMilliseconds),
        _record.CreatedAt,
        _collections.Count,
        LoadError is null ? _collections.Values.Sum(c => c.Info().PointCount) : 0);

    public async Task<CollectionInfo> CreateCollectionAsync(string name, CollectionConfig config, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        await _catalogGate.WaitAsync(cancellationToken);
        try
        {
            if (_collections.ContainsKey(name))
            {
                throw new VecVaultException(ErrorCode.AlreadyExists, $"collection '{name}' already exists", "name");
            }

            var id = _nextCollectionId;
            var record = new CollectionRecord(id, name, config.Dimension, config.Metric);
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
        ThrowIfUnusable();
        await _catalogGate.WaitAsync(cancellationToken);
        try
        {
            var collection = GetCollection(name);
            await Log.AppendAsync(RecordCodec.Encode(new RecordHeader(RecordKind.CollectionDeleted, collection.Id, 0, 0), new CollectionDeletedRecord(collection.Id)), cancellationToken);
            _collections.TryRemove(name, out _);
            collection.Dispose();
        }
        finally
        {
            _catalogGate.Release();
        }
    }

    /// <summary>The collection named <paramref name="name"/>; NotFound otherwise.</summary>
    public Collection GetCollection(string name)
    {
        ThrowIfUnusable();
        return _collections.TryGetValue(name, out var collection) ? collection
            : throw VecVaultException.NotFound($"collection '{name}' not found");
    }

    public IReadOnlyList<CollectionInfo> ListCollections()
    {
        ThrowIfUnusable();
        return [.. _collections.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Info())];
    }

    public async ValueTask DisposeAsync()
    {
        await Log.DisposeAsync();
        foreach (var collection in _collections.Values)
        {
            collection.Dispose();
        }

        _collections.Clear();
    }

    private void ThrowIfUnusable()
    {
        if (LoadError is not null)
        {
            throw new VecVaultException(LoadError.Code, $"tenant '{Id}' is not available: {LoadError.Message}");
        }
    }
}
