namespace VecVault.Crypto.Pages;

/// <summary>The kinds of record in a tenant's log. The kind is part of every record's associated data.</summary>
public enum RecordKind : byte
{
    /// <summary>Plain: binds the log to its tenant and KEK reference.</summary>
    TenantCreated = 1,

    /// <summary>Plain: a collection's name, id and configuration.</summary>
    CollectionCreated = 2,

    /// <summary>Plain: a WAL descriptor: the active segment continues under a fresh DEK, carried wrapped.</summary>
    SegmentOpened = 3,

    /// <summary>Plain: a collection was deleted.</summary>
    CollectionDeleted = 4,

    /// <summary>Plain: a segment's DEK wrapped again under the KEK a rotation moves to; in effect only once that rotation's <see cref="KekRotated"/> record follows.</summary>
    DekRewrapped = 5,

    /// <summary>Plain: the tenant's KEK changed; commits the rotation's <see cref="DekRewrapped"/> records.</summary>
    KekRotated = 6,

    /// <summary>Plain: a sealed segment's descriptor: its wrapped DEK, page counts, point counts and content hash. Follows its pages.</summary>
    SegmentSealed = 7,

    /// <summary>Encrypted: a batch of upserts and deletes to a collection's active segment.</summary>
    WalBatch = 16,

    /// <summary>Encrypted: a sealed segment's points page: point ids by slot, which slots are live, and tombstones.</summary>
    SegmentPoints = 17,

    /// <summary>Encrypted: a sealed segment's vectors page (float32, by slot).</summary>
    SegmentVectors = 18,

    /// <summary>Encrypted: a sealed segment's payloads page (UTF-8 JSON, by slot).</summary>
    SegmentPayloads = 19,

    /// <summary>Encrypted: a sealed segment's HNSW graph page.</summary>
    SegmentGraph = 20,
}
