using System.Security.Cryptography;
using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Crypto.Keys;
using VecVault.Engine.Tenants;
using VecVault.Index.Distance;
using VecVault.Index.Filters;
using VecVault.Index.Hnsw;
using VecVault.Index.Vectors;

namespace VecVault.Engine.Collections;

/// <summary>
/// A collection: its segments' write path, the decrypted points held in locked memory, and their HNSW graph.
/// Writes are serialised by a gate, appended to the tenant's log, and applied to memory in log order once
/// durable (under the exclusive lock), then inserted into the graph (under the shared lock, so searches go on);
/// reads take the shared lock.
/// </summary>
internal sealed partial class Collection : IDisposable
{
    private readonly Tenant _tenant;
    private readonly VectorStore _vectors;
    private readonly HnswIndex _index;
    private readonly Func<int, bool> _isLive;
    private readonly PayloadIndexSet _payloadIndexes;
    private readonly List<PointId> _slotIds = [];
    private readonly List<byte[]?> _payloads = [];
    private readonly List<bool> _live = [];
    private readonly Dictionary<PointId, int> _slotById = [];
    private readonly ReaderWriterLockSlim _state = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<ulong, Segment> _segments = [];
    private ulong _nextSegmentId = 1;
    private string? _quarantine;
    private VecVaultException? _gone;

    public Collection(Tenant tenant, ulong id, string name, CollectionConfig config)
    {
        _tenant = tenant;
        Id = id;
        Name = name;
        Config = config;
        _vectors = new VectorStore(config.Dimension);
        _isLive = slot => _live[slot];
        _payloadIndexes = new PayloadIndexSet(config.PayloadIndexes);
        _index = new HnswIndex(_vectors, config.Metric, new HnswOptions { M = config.Hnsw.M, EfConstruction = config.Hnsw.EfConstruction, EfSearch = config.Hnsw.EfSearch });
        ConfigDigest = DekContext.CollectionDigest(id, name, config.Dimension, config.Metric.ToString());
    }

    public ulong Id { get; }

    public string Name { get; }

    public CollectionConfig Config { get; }

    /// <summary>SHA-256 of the collection's identity and shape, bound into every DEK wrapped for it.</summary>
    public byte[] ConfigDigest { get; }

    /// <summary>Segments opened in the collection's lifetime (each run's writes go to a fresh one).</summary>
    public int SegmentCount => (int)(_nextSegmentId - 1);

    public CollectionInfo Info()
    {
        _state.EnterReadLock();
        try
        {
            return new CollectionInfo(Name, Config, _slotById.Count, SegmentCount, _quarantine is null ? 0 : 1);
        }
        finally
        {
            _state.ExitReadLock();
        }
    }

    /// <summary>Deletes the collection from memory: zeroes its pages and DEKs; later requests get NotFound.</summary>
    public void Dispose() => Unload(VecVaultException.NotFound($"collection '{Name}' not found"));

    /// <summary>
    /// Zeroes and releases every decrypted vector, payload and DEK of the collection. Requests still holding it
    /// get <paramref name="reason"/> (NotFound after a delete, KeyRevoked after a revocation).
    /// </summary>
    public void Unload(VecVaultException reason)
    {
        _state.EnterWriteLock();
        try
        {
            _gone ??= reason;
            _vectors.Dispose();
            foreach (var segment in _segments.Values)
            {
                segment.Dispose();
            }

            foreach (var payload in _payloads)
            {
                CryptographicOperations.ZeroMemory(payload);
            }

            _segments.Clear();
            _payloadIndexes.Clear();
            _slotById.Clear();
            _payloads.Clear();
            _slotIds.Clear();
            _live.Clear();
        }
        finally
        {
            _state.ExitWriteLock();
        }
    }

    /// <summary>Throws NotFound once the collection is deleted (KeyRevoked once unloaded by a revocation), DataLoss naming the tenant, collection and reason when it is quarantined.</summary>
    private void ThrowIfUnavailable()
    {
        if (_gone is { } gone)
        {
            throw new VecVaultException(gone.Code, gone.Message);
        }

        if (_quarantine is not null)
        {
            throw new VecVaultException(ErrorCode.DataLoss,
                $"collection '{Name}' of tenant '{_tenant.Id}' is quarantined: {_quarantine}");
        }
    }

    /// <summary>Puts a point into memory; the caller holds the write lock. Replaces any earlier version.</summary>
    private void ApplyUpsert(PointId id, ReadOnlySpan<float> vector, byte[]? payload)
    {
        var slot = _vectors.Add(vector);
        _slotIds.Add(id);
        _payloads.Add(payload);
        _live.Add(true);
        if (_slotById.TryGetValue(id, out var previous))
        {
            _live[previous] = false;
            _payloads[previous] = null;
        }

        _slotById[id] = slot;
        IndexPayload(slot, payload);
    }

    /// <summary>Removes a point from memory; the caller holds the write lock.</summary>
    private bool ApplyDelete(PointId id)
    {
        if (!_slotById.Remove(id, out var slot))
        {
            return false;
        }

        _live[slot] = false;
        _payloads[slot] = null;
        return true;
    }

    /// <summary>The vector as stored: a copy, normalised for cosine.</summary>
    private float[] Prepare(ReadOnlySpan<float> vector)
    {
        var copy = vector.ToArray();
        if (Config.Metric == Metric.Cosine)
        {
            DistanceKernels.Normalize(copy);
        }

        return copy;
    }
}
