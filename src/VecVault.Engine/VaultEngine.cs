using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Keys;
using VecVault.Core.Points;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Keys;
using VecVault.Engine.Collections;
using VecVault.Engine.Tenants;
using VecVault.Storage.Records;

namespace VecVault.Engine;

/// <summary>
/// The database: tenants, their collections and points. Every method that names a tenant acts only on that
/// tenant's data; the caller (the server) takes the tenant from the credential.
/// </summary>
public sealed partial class VaultEngine : IAsyncDisposable
{
    private readonly ConcurrentDictionary<TenantId, Tenant> _tenants = new();
    private readonly SemaphoreSlim _tenantGate = new(1, 1);
    private readonly EngineOptions _options;
    private readonly IKekService _keys;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    private readonly AuditLog _audit;
    private readonly Collections.SegmentCache _cache;
    private FileStream? _directoryLock;

    private VaultEngine(EngineOptions options, IKekService keys, AuditLog audit, ILogger logger, TimeProvider time)
    {
        _audit = audit;
        _cache = new Collections.SegmentCache(options.SegmentCacheBytes);
        _options = options;
        _keys = keys;
        _logger = logger;
        _time = time;
    }

    private string TenantsDirectory => Path.Combine(_options.DataDirectory, "tenants");

    /// <summary>Loaded sealed segments, their locked bytes, loads, evictions and cold-load time by phase.</summary>
    public Collections.SegmentCacheStats SegmentStats => _cache.Stats();

    /// <summary>Every quarantined segment: tenant, collection, segment and reason.</summary>
    public IReadOnlyList<(TenantId Tenant, string Collection, ulong Segment, string Reason)> Quarantined =>
        [.. _tenants.Values.SelectMany(t => t.Quarantined().Select(q => (t.Id, q.Collection, q.Segment, q.Reason)))];

    /// <summary>Seals a collection's active segment now; returns the sealed segment's id (0 when it was empty).</summary>
    public Task<ulong> SealAsync(TenantId tenant, string collection, CancellationToken cancellationToken) =>
        FindTenant(tenant).SealAsync(collection, cancellationToken);

    /// <summary>Opens the data directory and recovers every tenant found in it.</summary>
    public static VaultEngine Open(EngineOptions options, IKekService keys, AuditLog audit, ILogger<VaultEngine> logger, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CompactionDeadRatio, nameof(options.CompactionDeadRatio));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.CompactionDeadRatio, 1.0, nameof(options.CompactionDeadRatio));
        var engine = new VaultEngine(options, keys, audit, logger, time);
        Directory.CreateDirectory(engine.TenantsDirectory);
        engine._directoryLock = LockDataDirectory(options.DataDirectory);
        Storage.Log.LogRewrite.RecoverInterrupted(engine.TenantsDirectory);
        foreach (var directory in Directory.EnumerateDirectories(engine.TenantsDirectory).Order(StringComparer.Ordinal))
        {
            if (!TenantId.TryParse(Path.GetFileName(directory), out var id))
            {
                continue;
            }

            var started = time.GetTimestamp();
            var tenant = Tenants.Tenant.Open(directory, keys, audit, engine._cache, options.Log, logger, time);
            engine._tenants[id] = tenant;
            LogTenantRecovered(logger, id.Value, tenant.Info().CollectionCount, time.GetElapsedTime(started).TotalMilliseconds);
        }

        engine.StartKeyMonitor();
        engine.StartCompactor();
        return engine;
    }

    /// <summary>
    /// Takes an exclusive lock on the data directory for the life of the engine: two processes writing one tenant
    /// log would corrupt it.
    /// </summary>
    private static FileStream LockDataDirectory(string dataDirectory)
    {
        try
        {
            return new FileStream(Path.Combine(dataDirectory, "vecvault.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new VecVaultException(ErrorCode.FailedPrecondition, $"the data directory {dataDirectory} is in use by another VecVault process", innerException: e);
        }
    }

    /// <summary>Creates a tenant bound to a KEK, after checking the KEK in the HSM.</summary>
    public async Task<TenantInfo> CreateTenantAsync(TenantSpec spec, CancellationToken cancellationToken)
    {
        spec.Kek.Validate();
        if (spec.Kek.Model == KeyModel.None && !_options.AllowKeyModelNone)
        {
            throw new VecVaultException(ErrorCode.FailedPrecondition, $"key model none (no BYOK) is for benchmarks and is not enabled on this server", "kek.model");
        }

        await _tenantGate.WaitAsync(cancellationToken);
        try
        {
            var directory = Path.Combine(TenantsDirectory, spec.Id.Value);
            if (_tenants.ContainsKey(spec.Id) || Directory.Exists(directory))
            {
                throw new VecVaultException(ErrorCode.AlreadyExists, $"tenant '{spec.Id}' already exists", "id");
            }

            var record = new TenantRecord(spec.Id.Value, spec.Kek, 1, spec.OutagePolicy, (long)spec.OutageGrace.TotalMilliseconds, _time.GetUtcNow());
            try
            {
                var tenant = await Tenants.Tenant.CreateAsync(directory, record, _keys, _audit, _cache, _options.Log, _logger, _time, cancellationToken);
                _tenants[spec.Id] = tenant;
                LogTenantCreated(_logger, spec.Id.Value, spec.Kek.ToString());
                return tenant.Info();
            }
            catch
            {
                if (!_tenants.ContainsKey(spec.Id) && Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                throw;
            }
        }
        finally
        {
            _tenantGate.Release();
        }
    }

    /// <summary>
    /// Crypto-shreds a tenant: destroys its KEK in the HSM when asked (refused while another tenant uses the same
    /// KEK), zeroes every key and page of it in memory, and removes its files. Works as well when the customer has
    /// deleted the KEK already (the tenant is then revoked): there is nothing left to destroy. Returns the bytes of
    /// files removed and how many HSM objects were destroyed (0 when the key was gone already).
    /// </summary>
    public async Task<(long DeletedBytes, int KekObjectsDestroyed)> ShredTenantAsync(TenantId id, bool destroyKek, CancellationToken cancellationToken)
    {
        await _tenantGate.WaitAsync(cancellationToken);
        try
        {
            var tenant = FindTenant(id);
            var destroyed = 0;
            if (destroyKek)
            {
                if (_tenants.Values.FirstOrDefault(t => t != tenant && SameKey(t.Kek, tenant.Kek)) is { } sharing)
                {
                    throw new VecVaultException(ErrorCode.FailedPrecondition, $"the KEK of tenant '{id}' is also the KEK of tenant '{sharing.Id}'; it is not destroyed", "destroy_kek");
                }

                destroyed = await Task.Run(() => _keys.Destroy(tenant.Kek), cancellationToken);
            }

            _tenants.TryRemove(id, out _);
            await tenant.DisposeAsync();
            var directory = Path.Combine(TenantsDirectory, id.Value);
            var directories = Storage.Log.LogRewrite.Leftovers(directory).Append(directory).ToList();
            var bytes = directories.SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)).Sum(file => new FileInfo(file).Length);
            foreach (var removed in directories)
            {
                Directory.Delete(removed, recursive: true);
            }

            LogTenantShredded(_logger, id.Value, bytes, destroyed);
            _audit.Write("shred", id.Value,
            [
                new("kek", tenant.Kek.ToString()),
                new("kek_destroy_asked", destroyKek ? "true" : "false"),
                new("kek_objects_destroyed", destroyed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("deleted_bytes", bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]);
            return (bytes, destroyed);
        }
        finally
        {
            _tenantGate.Release();
        }

        static bool SameKey(KekReference a, KekReference b) =>
            a.Model == b.Model && a.TokenLabel == b.TokenLabel && a.KeyLabel == b.KeyLabel && (a.KeyIdHex == b.KeyIdHex || a.KeyIdHex.Length == 0 || b.KeyIdHex.Length == 0);
    }

    /// <summary>A tenant; NotFound when it does not exist.</summary>
    public TenantInfo GetTenant(TenantId id) => FindTenant(id).Info();

    /// <summary>True when the tenant exists.</summary>
    public bool TenantExists(TenantId id) => _tenants.ContainsKey(id);

    /// <summary>All tenants, by id.</summary>
    public IReadOnlyList<TenantInfo> ListTenants() => [.. _tenants.Values.Select(t => t.Info()).OrderBy(t => t.Id.Value, StringComparer.Ordinal)];

    /// <summary>Creates a collection.</summary>
    public Task<CollectionInfo> CreateCollectionAsync(TenantId tenant, string name, CollectionConfig config, CancellationToken cancellationToken) =>
        FindTenant(tenant).CreateCollectionAsync(CollectionName.Validate(name), config.Validate(), cancellationToken);

    /// <summary>A collection; NotFound when it does not exist.</summary>
    public CollectionInfo GetCollection(TenantId tenant, string name) => FindCollection(tenant, name).Info();

    /// <summary>The tenant's collections, by name.</summary>
    public IReadOnlyList<CollectionInfo> ListCollections(TenantId tenant) => FindTenant(tenant).ListCollections();

    /// <summary>Deletes a collection.</summary>
    public Task DeleteCollectionAsync(TenantId tenant, string name, CancellationToken cancellationToken) =>
        FindTenant(tenant).DeleteCollectionAsync(name, cancellationToken);

    /// <summary>Upserts points; completes when they are durable and visible.</summary>
    public Task<int> UpsertAsync(TenantId tenant, string collection, IReadOnlyList<Point> points, CancellationToken cancellationToken) =>
        FindCollection(tenant, collection).UpsertAsync(points, cancellationToken);

    /// <summary>Deletes points by id; returns how many existed.</summary>
    public Task<int> DeleteAsync(TenantId tenant, string collection, IReadOnlyList<PointId> ids, CancellationToken cancellationToken) =>
        FindCollection(tenant, collection).DeleteAsync(ids, cancellationToken);

    /// <summary>Deletes the points that match <paramref name="filter"/>; returns how many.</summary>
    public Task<int> DeleteAsync(TenantId tenant, string collection, Core.Filters.Filter filter, CancellationToken cancellationToken) =>
        FindCollection(tenant, collection).DeleteAsync(filter, cancellationToken);

    /// <summary>Points by id, in request order; missing ids are left out.</summary>
    public IReadOnlyList<Point> Get(TenantId tenant, string collection, IReadOnlyList<PointId> ids, bool withPayload, bool withVectors) =>
        FindCollection(tenant, collection).Get(ids, withPayload, withVectors);

    /// <summary>k-nearest-neighbour search.</summary>
    public IReadOnlyList<ScoredPoint> Search(TenantId tenant, string collection, SearchQuery query, CancellationToken cancellationToken = default) =>
        FindCollection(tenant, collection).Search(query, cancellationToken);

    /// <summary>Number of points (that match <paramref name="filter"/>, when given).</summary>
    public long Count(TenantId tenant, string collection, Core.Filters.Filter? filter = null) => FindCollection(tenant, collection).Count(filter);

    /// <summary>A page of points (that match <paramref name="filter"/>, when given) in id order.</summary>
    public (IReadOnlyList<Point> Points, PointId? Next) Scroll(TenantId tenant, string collection, PointId? offset, int limit, bool withPayload, bool withVectors, Core.Filters.Filter? filter = null) =>
        FindCollection(tenant, collection).Scroll(offset, limit, withPayload, withVectors, filter);

    /// <summary>Commits and closes every tenant's log and zeroes every key and page in memory.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopKeyMonitorAsync();
        await _compactor;
        foreach (var tenant in _tenants.Values)
        {
            await tenant.DisposeAsync();
        }

        _tenants.Clear();
        _directoryLock?.Dispose();
    }

    private Tenant FindTenant(TenantId id) =>
        _tenants.TryGetValue(id, out var tenant) ? tenant : throw VecVaultException.NotFound($"tenant '{id}' not found");

    private Collection FindCollection(TenantId tenant, string name) => FindTenant(tenant).GetCollection(name);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Recovered tenant {Tenant}: {Collections} collections in {Milliseconds:F1} ms")]
    private static partial void LogTenantRecovered(ILogger logger, string tenant, int collections, double milliseconds);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Shredded tenant {Tenant}: {Bytes} bytes of files removed, {Objects} KEK objects destroyed in the HSM")]
    private static partial void LogTenantShredded(ILogger logger, string tenant, long bytes, int objects);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Created tenant {Tenant} bound to KEK {Kek}")]
    private static partial void LogTenantCreated(ILogger logger, string tenant, string kek);
}
