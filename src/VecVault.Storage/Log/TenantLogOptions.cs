namespace VecVault.Storage.Log;

/// <summary>Settings of a tenant's log.</summary>
public sealed record TenantLogOptions
{
    /// <summary>When writes are acknowledged.</summary>
    public Durability Durability { get; init; } = Durability.Commit;

    /// <summary>FasterLog page size, log2 (22 = 4 MiB). A record must fit in a page.</summary>
    public int PageSizeBits { get; init; } = 22;

    /// <summary>FasterLog in-memory buffer, log2 (24 = 16 MiB); at least two pages.</summary>
    public int MemorySizeBits { get; init; } = 24;

    /// <summary>FasterLog segment file size, log2 (28 = 256 MiB); disk space is freed a segment file at a time.</summary>
    public int SegmentSizeBits { get; init; } = 28;

    /// <summary>Commit interval under <see cref="Durability.Async"/>.</summary>
    public TimeSpan AsyncCommitInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Wraps the log device (tests inject faults under the log with it).</summary>
    internal Func<FASTER.core.IDevice, FASTER.core.IDevice>? DeviceDecorator { get; init; }

    /// <summary>Largest record accepted: a quarter page, so records never straddle more than FasterLog allows.</summary>
    public int MaxRecordBytes => 1 << (PageSizeBits - 2);
}
