namespace VecVault.Server.Hosting;

/// <summary>Facts about this server process established at start.</summary>
/// <param name="StartedAt">When the server started.</param>
/// <param name="LockedMemoryAvailable">Whether mlock works for this process.</param>
/// <param name="Simd">The vector instruction sets in use.</param>
public sealed record ServerStatus(DateTimeOffset StartedAt, bool LockedMemoryAvailable, string Simd);
