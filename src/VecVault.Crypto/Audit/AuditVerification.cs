namespace VecVault.Crypto.Audit;

/// <summary>The outcome of checking the audit log's hash chain.</summary>
/// <param name="Valid">True when every record's hash and link hold.</param>
/// <param name="Records">Records read.</param>
/// <param name="FirstBadSequence">The first position where the chain breaks (0 when valid).</param>
/// <param name="Reason">Why it breaks, or empty.</param>
public sealed record AuditVerification(bool Valid, ulong Records, ulong FirstBadSequence, string Reason);
