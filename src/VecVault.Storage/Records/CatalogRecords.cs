using VecVault.Core.Collections;
using VecVault.Core.Keys;

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
public sealed record CollectionRecord(ulong CollectionId, string Name, int Dimension, Metric Metric, HnswConfig? Hnsw = null, IReadOnlyList<PayloadIndexSpec>? PayloadIndexes = null)
{
    /// <summary>The record of a collection configured as <paramref name="config"/>.</summary>
    public static CollectionRecord Of(ulong collectionId, string name, CollectionConfig config) =>
        new(collectionId, name, config.Dimension, config.Metric, config.Hnsw, config.PayloadIndexes);

    /// <summary>The configuration this record describes.</summary>
    public CollectionConfig ToConfig() => new(Dimension, Metric) { Hnsw = Hnsw ?? HnswConfig.Default, PayloadIndexes = PayloadIndexes ?? [] };
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
