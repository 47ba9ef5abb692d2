using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Crypto.Keys;
using VecVault.Engine.Tenants;
using VecVault.Index.Distance;

namespace VecVault.Engine.Collections;

/// <summary>
/// A collection: one active segment receiving writes (its WAL in the tenant's log, its points and content in memory)
/// and any number of sealed segments (stored as encrypted pages, loaded on use). A point is live in at most one
/// segment: a write kills its earlier version wherever it is. Writes are serialised by a gate, appended to the log,
/// and applied in log order once durable (under the exclusive lock), then inserted into the active graph (under the
/// shared lock, so searches go on); reads take the shared lock.
/// </summary>
internal sealed partial class Collection : IDisposable
{
    private readonly Tenant _tenant;
    private readonly ReaderWriterLockSlim _state = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<ulong, WalSegment> _segments = [];
    private readonly List<SealedSegment> _sealed = [];
    private PointSet _points = new();
    private SegmentContent _content;
    private ulong _nextSegmentId = 1;
    private string? _quarantine;
    private VecVaultException? _gone;

    public Collection(Tenant tenant, ulong id, string name, CollectionConfig config)
    {
        _tenant = tenant;
        Id = id;
        Name = name;
        Config = config;
        _content = new SegmentContent(config);
        ConfigDigest = DekContext.CollectionDigest(id, name, config.Dimension, config.Metric.ToString());
    }

    public ulong Id { get; }

    public string Name { get; }

    public CollectionConfig Config { get; }

    /// <summary>SHA-256 of the collection's identity and shape, bound into every DEK wrapped for it.</summary>
    public byte[] ConfigDigest { get; }

    /// <summary>Segment ids used in the collection's lifetime (each sealed segment, and each run of the active segment's WAL).</summary>
    public int SegmentCount => (int)(_nextSegmentId - 1);

    /// <summary>The sealed segments, oldest first.</summary>
    public IReadOnlyList<SealedSegment> Sealed => _sealed;

    public CollectionInfo Info()
    {
        _state.EnterReadLock();
        try
        {
            return new CollectionInfo(Name, Config, LiveCount, SegmentCount, _quarantine is null ? 0 : 1);
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
            _content.Dispose();
            foreach (var segment in _segments.Values)
            {
                segment.Dispose();
            }

            foreach (var segment in _sealed)
            {
                _tenant.Cache.Drop(segment);
                segment.Points.Clear();
            }

            _segments.Clear();
            _sealed.Clear();
            _points.Clear();
        }
        finally
        {
            _state.ExitWriteLock();
        }
    }

    private int LiveCount => _points.LiveCount + _sealed.Sum(s => s.Points.LiveCount);

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

    /// <summary>Puts a point into the active segment; the caller holds the write lock. Kills any earlier version.</summary>
    private void ApplyUpsert(PointId id, ReadOnlySpan<float> vector, byte[]? payload)
    {
        Kill(id);
        var slot = _content.Add(vector, payload);
        _points.Add(id, live: true);
        System.Diagnostics.Debug.Assert(slot == _points.Slots - 1, "points and content stay slot-aligned");
    }

    /// <summary>Deletes a point wherever it is live and remembers the delete for older segments; the caller holds the write lock.</summary>
    private bool ApplyDelete(PointId id)
    {
        _points.Tombstones.Add(id);
        return Kill(id);
    }

    /// <summary>Kills the live version of <paramref name="id"/>, in the active segment or a sealed one; true when there was one.</summary>
    private bool Kill(PointId id)
    {
        var slot = _points.Kill(id);
        if (slot >= 0)
        {
            _content.DropPayload(slot);
            return true;
        }

        for (var i = _sealed.Count - 1; i >= 0; i--)
        {
            if (_sealed[i].Points.Kill(id) >= 0)
            {
                return true;
            }
        }

        return false;
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
