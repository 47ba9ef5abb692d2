using System.Globalization;
using VecVault.Core.Keys;

namespace VecVault.Engine.Tenants;

/// <summary>What the audit log records of a key operation on a segment: ids, the KEK reference and the HSM latency, never a secret.</summary>
internal static class KeyAudit
{
    public static KeyValuePair<string, string>[] Segment(string collection, ulong segment, byte[] dekId, KekReference kek, TimeSpan? hsmLatency = null) =>
    [
        new("collection", collection),
        new("segment", segment.ToString(CultureInfo.InvariantCulture)),
        new("dek_id", Convert.ToHexStringLower(dekId)),
        new("kek", kek.ToString()),
        .. hsmLatency is { } latency ? [new KeyValuePair<string, string>("hsm_ms", latency.TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture))] : Array.Empty<KeyValuePair<string, string>>(),
    ];
}
