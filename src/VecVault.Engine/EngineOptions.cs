using VecVault.Storage.Log;

namespace VecVault.Engine;

/// <summary>Settings of the engine.</summary>
public sealed record EngineOptions
{
    /// <summary>A filtered search with at most this many matching points is exact over them, not a filtered graph traversal.</summary>
    public const int ExactFilterPoints = 10_000;

    /// <summary>A filtered search where at most this share of the live points match is exact over them.</summary>
    public const double ExactFilterShare = 0.1;

    /// <summary>Root of all data: each tenant's log lives in <c>&lt;DataDirectory&gt;/tenants/&lt;tenant-id&gt;/</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Settings of each tenant's log.</summary>
    public TenantLogOptions Log { get; init; } = new();

    /// <summary>
    /// How often every tenant's KEK is checked in its HSM. A deleted or disabled KEK is acted on within about one
    /// interval plus the HSM's answer time; zero turns the monitor off (tests call <see cref="VaultEngine.CheckKeysAsync"/>).
    /// </summary>
    public TimeSpan KeyCheckInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a collection's write DEK stays unwrapped while no write uses it. After that it is zeroed, and the next
    /// write opens a fresh segment under a fresh DEK. (DEKs of stored data are zeroed as soon as it is decrypted.)
    /// Checked with the keys, so it takes effect within one <see cref="KeyCheckInterval"/> more.
    /// </summary>
    public TimeSpan DekTimeToLive { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Locked bytes that loaded sealed segments may hold, over all tenants; loading past it evicts (and zeroes) the least
    /// recently used ones. Active segments are not counted: they hold at most their collection's segment size each.
    /// </summary>
    public long SegmentCacheBytes { get; init; } = 2L << 30;

    /// <summary>How often each tenant is considered for compaction; zero turns background compaction off.</summary>
    public TimeSpan CompactionInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A sealed segment is compacted when at least this share of its slots is dead (deleted or replaced), and a
    /// tenant's log is rewritten when at least this share of its bytes are WAL runs that seals replaced (or when a
    /// deleted collection's records remain).
    /// </summary>
    public double CompactionDeadRatio { get; init; } = 0.3;

    /// <summary>Allow tenants with the benchmark-only key model <c>none</c> (no BYOK).</summary>
    public bool AllowKeyModelNone { get; init; }
}
