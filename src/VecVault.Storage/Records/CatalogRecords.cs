using VecVault.Core.Collections;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Crypto.Pages;

namespace VecVault.Storage.Records;

/// <summary>Binds a log to its tenant and KEK reference. The first record of every tenant log.</summary>
/// <param name="TenantId">The tenant's id.</param>
/// <param name="Kek">Where the KEK lives.</param>
/// <param name="KekVersion">KEK version, starting at 1.</param>
/// <param name="OutagePolicy">What requests get while the HSM is unreachable.</param>
/// <param name="OutageGraceMilliseconds">Grace period for warm serving.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="NextCollectionId">Lowest collection id never used (a rewritten log keeps ids of deleted collections retired).</param>
public sealed record TenantRecord(string TenantId, KekReference Kek, uint KekVersion, OutagePolicy OutagePolicy, long OutageGraceMilliseconds, DateTimeOffset CreatedAt, ulong NextCollectionId = 1);

/// <summary>A collection was created.</summary>
/// <param name="CollectionId">Id, unique within the tenant's log and never reused.</param>
/// <param name="Name">Name.</param>
/// <param name="Dimension">Vector length.</param>
/// <param name="Metric">Similarity measure.</param>
/// <param name="Hnsw">HNSW parameters; null in logs written before they were configurable (the defaults).</param>
/// <param name="PayloadIndexes">Payload fields indexed for filtering; null for none.</param>
/// <param name="SegmentMaxPoints">Points per active segment before it is sealed; 0 for the default.</param>
public sealed record CollectionRecord(ulong CollectionId, string Name, int Dimension, Metric Metric, HnswConfig? Hnsw = null, IReadOnlyList<PayloadIndexSpec>? PayloadIndexes = null, int SegmentMaxPoints = 0)
{
    /// <summary>The record of a collection configured as <paramref name="config"/>.</summary>
    public static CollectionRecord Of(ulong collectionId, string name, CollectionConfig config) =>
        new(collectionId, name, config.Dimension, config.Metric, config.Hnsw, config.PayloadIndexes, config.SegmentMaxPoints);

    /// <summary>The configuration this record describes.</summary>
    public CollectionConfig ToConfig() => new(Dimension, Metric)
    {
        Hnsw = Hnsw ?? HnswConfig.Default,
        PayloadIndexes = PayloadIndexes ?? [],
        SegmentMaxPoints = SegmentMaxPoints > 0 ? SegmentMaxPoints : CollectionConfig.DefaultSegmentMaxPoints,
    };
}

/// <summary>A segment was opened under a fresh DEK: the segment descriptor.</summary>
/// <param name="CollectionId">Owning collection.</param>
/// <param name="SegmentId">Id, unique within the collection.</param>
/// <param name="DekId">The DEK's id.</param>
/// <param name="NoncePrefix">The segment's nonce prefix.</param>
/// <param name="WrappedDek">The DEK wrapped under the KEK, bound to the DEK context.</param>
/// <param name="KekVersion">Version of the KEK that wrapped it.</param>
public sealed record SegmentRecord(ulong CollectionId, ulong SegmentId, byte[] DekId, uint NoncePrefix, byte[] WrappedDek, uint KekVersion);

/// <summary>A collection was deleted.</summary>
/// <param name="CollectionId">The deleted collection.</param>
public sealed record CollectionDeletedRecord(ulong CollectionId);

/// <summary>
/// A segment's DEK wrapped again under the KEK a rotation moves to. Written before the rotation's
/// <see cref="KekRotatedRecord"/>, and in effect only once that record is durable: a rotation cut short leaves
/// every segment under its old wrapping.
/// </summary>
/// <param name="RotationId">The rotation this wrapping belongs to.</param>
/// <param name="CollectionId">Owning collection.</param>
/// <param name="SegmentId">The segment.</param>
/// <param name="WrappedDek">The segment's DEK wrapped under the new KEK, bound to the new DEK context.</param>
/// <param name="KekVersion">The new KEK version.</param>
public sealed record DekRewrappedRecord(Guid RotationId, ulong CollectionId, ulong SegmentId, byte[] WrappedDek, uint KekVersion);

/// <summary>The tenant's KEK changed: from here on the tenant is bound to <paramref name="Kek"/>, and every DEK to its rewrapping.</summary>
/// <param name="RotationId">The rotation whose <see cref="DekRewrappedRecord"/>s this record puts in effect.</param>
/// <param name="Kek">The new KEK.</param>
/// <param name="KekVersion">The new KEK version (the previous one plus one).</param>
/// <param name="RewrappedDeks">How many DEKs the rotation rewrapped; recovery checks it.</param>
/// <param name="RotatedAt">When the rotation completed.</param>
public sealed record KekRotatedRecord(Guid RotationId, KekReference Kek, uint KekVersion, int RewrappedDeks, DateTimeOffset RotatedAt);

/// <summary>
/// A sealed segment's descriptor, written after its pages. The segment replaces every WAL record of its collection's
/// segments with a lower id; its own id orders it among the collection's sealed segments.
/// </summary>
/// <param name="Key">The segment's DEK, wrapped, and its nonce prefix (the pages' key; no WAL record uses it).</param>
/// <param name="Dimension">Vector length.</param>
/// <param name="Slots">Points stored (live or not).</param>
/// <param name="LivePoints">Slots live when the segment was written.</param>
/// <param name="Tombstones">Ids deleted while the segment was active, which hide older versions in earlier segments.</param>
/// <param name="Pages">How many pages of each section follow one another before this record.</param>
/// <param name="ContentHash">SHA-256 of the pages' records as stored (ciphertext), in order.</param>
public sealed record SealedSegmentRecord(SegmentRecord Key, int Dimension, int Slots, int LivePoints, int Tombstones, SegmentPageCounts Pages, byte[] ContentHash)
{
    /// <summary>
    /// Decodes a descriptor record; DataLoss unless it is canonical, names the segment its header names, and has every
    /// field.
    /// </summary>
    public static SealedSegmentRecord Decode(RecordHeader header, ReadOnlySpan<byte> record)
    {
        var descriptor = RecordCodec.DecodeCanonical<SealedSegmentRecord>(header, record);
        if (header.Sequence != 0 || descriptor.Key?.CollectionId != header.CollectionId || descriptor.Key.SegmentId != header.SegmentId)
        {
            throw new VecVaultException(ErrorCode.DataLoss, "a sealed segment descriptor's header does not match it");
        }

        return descriptor.Key?.DekId is null || descriptor.Key.WrappedDek is null || descriptor.Pages is null || descriptor.ContentHash is null
            || descriptor.Slots < 0 || descriptor.Tombstones < 0
            ? throw new VecVaultException(ErrorCode.DataLoss, "a sealed segment descriptor lacks a field")
            : descriptor;
    }
}

/// <summary>Pages per section of a sealed segment, in the order they are written.</summary>
/// <param name="Points">Points pages (ids, live slots, tombstones).</param>
/// <param name="Vectors">Vector pages.</param>
/// <param name="Payloads">Payload pages.</param>
/// <param name="Graph">Graph pages.</param>
public sealed record SegmentPageCounts(int Points, int Vectors, int Payloads, int Graph)
{
    /// <summary>All pages.</summary>
    public int Total => Points + Vectors + Payloads + Graph;
}
