namespace VecVault.Core.Collections;

/// <summary>A collection as reported to its tenant.</summary>
/// <param name="Name">The collection's name.</param>
/// <param name="Config">Its fixed shape.</param>
/// <param name="PointCount">Live points.</param>
/// <param name="SegmentCount">Segments, active and sealed.</param>
/// <param name="QuarantinedSegmentCount">Segments not served because they failed an integrity check.</param>
public sealed record CollectionInfo(string Name, CollectionConfig Config, long PointCount, int SegmentCount, int QuarantinedSegmentCount);
