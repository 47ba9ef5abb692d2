namespace VecVault.Crypto.Pages;

/// <summary>The kinds of record in a tenant's log. The kind is part of every record's associated data.</summary>
public enum RecordKind : byte
{
    /// <summary>Plain: binds the log to its tenant and KEK reference.</summary>
    TenantCreated = 1,

    /// <summary>Plain: a collection's name, id and configuration.</summary>
    CollectionCreated = 2,

    /// <summary>Plain: a segment descriptor carrying the segment's wrapped DEK.</summary>
    SegmentOpened = 3,

    /// <summary>Plain: a collection was deleted.</summary>
    CollectionDeleted = 4,

    /// <summary>Plain: a segment's DEK wrapped again under the KEK a rotation moves to; in effect only once that rotation's <see cref="KekRotated"/> record follows.</summary>
    DekRewrapped = 5,

    /// <summary>Plain: the tenant's KEK changed; commits the rotation's <see cref="DekRewrapped"/> records.</summary>
    KekRotated = 6,

    /// <summary>Encrypted: a batch of upserts and deletes to a collection's active segment.</summary>
    WalBatch = 16,
}
