namespace VecVault.Crypto.Audit;

/// <summary>One record of the audit log. It carries no secret: ids, labels and outcomes only.</summary>
/// <param name="Sequence">Position in the log, from 1, without gaps.</param>
/// <param name="Time">When it was written.</param>
/// <param name="Event">What happened: tenant-created, wrap, unwrap, key-revoked, served-again, hsm-unavailable, shred, access-denied.</param>
/// <param name="Tenant">The tenant concerned, or empty.</param>
/// <param name="Details">Context: collection, segment, DEK id, KEK reference, reason.</param>
/// <param name="PreviousHash">SHA-256 of the previous record (hex); 64 zeros for the first.</param>
/// <param name="Hash">SHA-256 of this record's other fields (hex).</param>
public sealed record AuditRecord(
    ulong Sequence,
    DateTimeOffset Time,
    string Event,
    string Tenant,
    SortedDictionary<string, string> Details,
    string PreviousHash,
    string Hash);
