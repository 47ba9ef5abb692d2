using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Crypto.Pages;
using VecVault.Storage.Log;
using VecVault.Storage.Records;

namespace VecVault.Engine.Tenants;

/// <summary>
/// What a tenant's log says about its keys, read before any data is decrypted: the current KEK and version, the
/// live collections, and every live segment's descriptor with the wrapping of its DEK in effect. A rotation's
/// rewrappings count only once its <see cref="RecordKind.KekRotated"/> record is in the log, so a rotation cut short
/// leaves every segment under the wrapping it had, and a completed one needs only the new KEK.
/// </summary>
internal sealed class KeyLedger
{
    private readonly Dictionary<ulong, CollectionRecord> _collections = [];
    private readonly Dictionary<(ulong Collection, ulong Segment), (SegmentRecord Descriptor, DekWrapping Wrapping, bool Sealed)> _segments = [];
    private readonly Dictionary<ulong, ulong> _sealedThrough = [];
    private readonly Dictionary<Guid, List<DekRewrappedRecord>> _rewraps = [];

    private KeyLedger(TenantRecord tenant)
    {
        Kek = tenant.Kek;
        KekVersion = tenant.KekVersion;
    }

    /// <summary>The KEK the tenant is bound to now.</summary>
    public KekReference Kek { get; private set; }

    /// <summary>The current KEK version.</summary>
    public uint KekVersion { get; private set; }

    /// <summary>
    /// Every live segment, in log order of its descriptor, with its collection and the wrapping of its DEK in effect:
    /// the sealed segments, and the WAL runs no sealed segment has replaced.
    /// </summary>
    public IEnumerable<(CollectionRecord Collection, SegmentRecord Descriptor, DekWrapping Wrapping)> Segments =>
        _segments.Values.Where(s => s.Sealed || !IsReplaced(s.Descriptor.CollectionId, s.Descriptor.SegmentId))
            .Select(s => (_collections[s.Descriptor.CollectionId], s.Descriptor, s.Wrapping));

    /// <summary>True when a sealed segment with a higher id replaced the WAL run <paramref name="segmentId"/> of the collection.</summary>
    public bool IsReplaced(ulong collectionId, ulong segmentId) => _sealedThrough.GetValueOrDefault(collectionId) > segmentId;

    /// <summary>Reads the key records of a log: <paramref name="tenant"/> is its first record, <paramref name="rest"/> all others.</summary>
    /// <exception cref="VecVaultException">DataLoss when a key record does not parse or a rotation lacks some of its rewrapped DEKs.</exception>
    public static KeyLedger Read(TenantRecord tenant, IEnumerable<LogRecord> rest)
    {
        var ledger = new KeyLedger(tenant);
        foreach (var record in rest)
        {
            // Records with a bad header are reported by the replay, which sees them in order.
            if (RecordHeader.TryRead(record.Bytes, out var header))
            {
                ledger.Apply(header, record.Bytes);
            }
        }

        return ledger;
    }

    /// <summary>The wrapping in effect for a segment's DEK; DataLoss when the log holds no descriptor of it.</summary>
    public DekWrapping WrappingOf(ulong collectionId, ulong segmentId) =>
        _segments.TryGetValue((collectionId, segmentId), out var segment) ? segment.Wrapping
            : throw new VecVaultException(ErrorCode.DataLoss, $"segment {segmentId} of collection {collectionId} has no descriptor");

    private void Apply(RecordHeader header, byte[] record)
    {
        switch (header.Kind)
        {
            case RecordKind.CollectionCreated:
                var created = RecordCodec.Decode<CollectionRecord>(record);
                _collections[created.CollectionId] = created;
                break;
            case RecordKind.CollectionDeleted:
                _collections.Remove(header.CollectionId);
                foreach (var key in _segments.Keys.Where(k => k.Collection == header.CollectionId).ToList())
                {
                    _segments.Remove(key);
                }

                break;
            case RecordKind.SegmentOpened:
                var descriptor = RecordCodec.Decode<SegmentRecord>(record);
                if (_collections.ContainsKey(descriptor.CollectionId))
                {
                    _segments[(descriptor.CollectionId, descriptor.SegmentId)] = (descriptor, new DekWrapping(descriptor.WrappedDek, Kek, descriptor.KekVersion), false);
                }

                break;
            case RecordKind.SegmentSealed:
                // A descriptor that does not decode is left to the replay, which quarantines its collection.
                var sealedKey = TryDecodeSealed(header, record);
                if (sealedKey is not null && _collections.ContainsKey(sealedKey.CollectionId) && sealedKey.CollectionId == header.CollectionId && sealedKey.SegmentId == header.SegmentId)
                {
                    _segments[(sealedKey.CollectionId, sealedKey.SegmentId)] = (sealedKey, new DekWrapping(sealedKey.WrappedDek, Kek, sealedKey.KekVersion), true);
                    _sealedThrough[sealedKey.CollectionId] = Math.Max(_sealedThrough.GetValueOrDefault(sealedKey.CollectionId), sealedKey.SegmentId);
                }

                break;
            case RecordKind.DekRewrapped:
                var rewrap = RecordCodec.Decode<DekRewrappedRecord>(record);
                if (!_rewraps.TryGetValue(rewrap.RotationId, out var rewraps))
                {
                    _rewraps[rewrap.RotationId] = rewraps = [];
                }

                rewraps.Add(rewrap);
                break;
            case RecordKind.KekRotated:
                Rotate(RecordCodec.Decode<KekRotatedRecord>(record));
                break;
        }
    }

    private static SegmentRecord? TryDecodeSealed(RecordHeader header, byte[] record)
    {
        try
        {
            return SealedSegmentRecord.Decode(header, record).Key;
        }
        catch (VecVaultException e) when (e.Code == ErrorCode.DataLoss)
        {
            return null;
        }
    }

    private void Rotate(KekRotatedRecord rotation)
    {
        var rewraps = _rewraps.GetValueOrDefault(rotation.RotationId) ?? [];
        if (rewraps.Count != rotation.RewrappedDeks || rotation.KekVersion != KekVersion + 1)
        {
            throw new VecVaultException(ErrorCode.DataLoss,
                $"KEK rotation to version {rotation.KekVersion} names {rotation.RewrappedDeks} rewrapped DEKs; the log holds {rewraps.Count}");
        }

        foreach (var rewrap in rewraps)
        {
            var key = (rewrap.CollectionId, rewrap.SegmentId);
            if (_segments.TryGetValue(key, out var segment))
            {
                _segments[key] = (segment.Descriptor, new DekWrapping(rewrap.WrappedDek, rotation.Kek, rewrap.KekVersion), segment.Sealed);
            }
        }

        // Rewrappings of rotations that never completed are dead: they never took effect.
        _rewraps.Clear();
        Kek = rotation.Kek;
        KekVersion = rotation.KekVersion;
    }
}

/// <summary>A DEK as stored: wrapped under <paramref name="Kek"/> at <paramref name="KekVersion"/>.</summary>
/// <param name="WrappedDek">The wrapped DEK.</param>
/// <param name="Kek">The KEK that wrapped it.</param>
/// <param name="KekVersion">The tenant's KEK version when it was wrapped; part of its context.</param>
internal readonly record struct DekWrapping(byte[] WrappedDek, KekReference Kek, uint KekVersion);
