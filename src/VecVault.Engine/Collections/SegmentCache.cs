using System.Diagnostics;

namespace VecVault.Engine.Collections;

/// <summary>
/// The loaded sealed segments of every tenant, within a budget of locked bytes: loading one past the budget first
/// evicts the least recently used segments no search is using, zeroing their content. Counts loads, evictions and
/// where cold-load time goes.
/// </summary>
internal sealed class SegmentCache(long budgetBytes)
{
    private readonly Lock _sync = new();
    private readonly HashSet<SealedSegment> _loaded = [];
    private long _clock;
    private long _bytes;
    private long _loads;
    private long _evictions;
    private long _unwrapTicks;
    private long _readTicks;
    private long _decryptTicks;
    private long _attachTicks;
    private long _pageBytes;

    /// <summary>The budget of locked bytes for loaded sealed segments.</summary>
    public long BudgetBytes { get; } = budgetBytes;

    public SegmentCacheStats Stats()
    {
        lock (_sync)
        {
            return new SegmentCacheStats(_loaded.Count, _bytes, BudgetBytes, _loads, _evictions,
                Stopwatch.GetElapsedTime(0, _unwrapTicks), Stopwatch.GetElapsedTime(0, _readTicks),
                Stopwatch.GetElapsedTime(0, _decryptTicks), Stopwatch.GetElapsedTime(0, _attachTicks), _pageBytes);
        }
    }

    /// <summary>
    /// Returns <paramref name="segment"/>'s content for one use, loading it with <paramref name="load"/> when it is not
    /// loaded (once, however many ask at the same time). Release it with <see cref="Release"/>.
    /// </summary>
    public SegmentContent Acquire(SealedSegment segment, long expectedBytes, Func<SegmentContent> load)
    {
        if (TryUse(segment) is { } content)
        {
            return content;
        }

        segment.LoadGate.Wait();
        try
        {
            if (TryUse(segment) is { } loaded)
            {
                return loaded;
            }

            MakeRoom(expectedBytes);
            var fresh = load();
            lock (segment.Sync)
            {
                if (segment.IsReleased)
                {
                    fresh.Dispose();
                    throw new ObjectDisposedException("segment");
                }

                segment.Content = fresh;
                segment.Users++;
            }

            Interlocked.Increment(ref _loads);
            Track(segment);
            return fresh;
        }
        finally
        {
            segment.LoadGate.Release();
        }
    }

    /// <summary>
    /// Ends one use begun by <see cref="Acquire"/>. Segments in use are never evicted, so searches that need more than
    /// the budget at once exceed it while they run; the last release brings the cache back within it.
    /// </summary>
    public void Release(SealedSegment segment)
    {
        lock (segment.Sync)
        {
            segment.Users--;
        }

        if (Interlocked.Read(ref _bytes) > BudgetBytes)
        {
            MakeRoom(0);
        }
    }

    /// <summary>Counts a loaded, durable segment against the budget (one sealed by this process), evicting others if needed.</summary>
    public void Track(SealedSegment segment)
    {
        long bytes;
        lock (segment.Sync)
        {
            if (segment.Content is null || segment.IsReleased)
            {
                return;
            }

            bytes = segment.Content.LockedBytes;
        }

        lock (_sync)
        {
            segment.LastUsed = ++_clock;
            if (_loaded.Add(segment))
            {
                segment.CachedBytes = bytes;
                _bytes += bytes;
            }
        }

        MakeRoom(0);
    }

    /// <summary>Zeroes a segment's content for good (its collection was deleted or unloaded) and stops counting it.</summary>
    public void Drop(SealedSegment segment)
    {
        lock (segment.Sync)
        {
            segment.IsReleased = true;
            segment.Content?.Dispose();
            segment.Content = null;
        }

        lock (_sync)
        {
            if (_loaded.Remove(segment))
            {
                _bytes -= segment.CachedBytes;
            }
        }
    }

    /// <summary>Adds a cold load's phase times and the bytes of the pages it read.</summary>
    public void AddLoadTimes(long unwrapTicks, long readTicks, long decryptTicks, long attachTicks, long pageBytes)
    {
        Interlocked.Add(ref _pageBytes, pageBytes);
        Interlocked.Add(ref _unwrapTicks, unwrapTicks);
        Interlocked.Add(ref _readTicks, readTicks);
        Interlocked.Add(ref _decryptTicks, decryptTicks);
        Interlocked.Add(ref _attachTicks, attachTicks);
    }

    private SegmentContent? TryUse(SealedSegment segment)
    {
        lock (segment.Sync)
        {
            if (segment.IsReleased)
            {
                throw new ObjectDisposedException("segment");
            }

            if (segment.Content is not { } content)
            {
                return null;
            }

            segment.Users++;
            segment.LastUsed = Interlocked.Increment(ref _clock);
            return content;
        }
    }

    /// <summary>Evicts least recently used idle segments until <paramref name="needed"/> more bytes fit the budget.</summary>
    private void MakeRoom(long needed)
    {
        lock (_sync)
        {
            foreach (var victim in _loaded.OrderBy(s => s.LastUsed).ToList())
            {
                if (_bytes + needed <= BudgetBytes)
                {
                    return;
                }

                lock (victim.Sync)
                {
                    if (victim.Users > 0 || victim.Content is null)
                    {
                        continue;
                    }

                    victim.Content.Dispose();
                    victim.Content = null;
                }

                _loaded.Remove(victim);
                _bytes -= victim.CachedBytes;
                _evictions++;
            }
        }
    }
}

/// <summary>What the segment cache holds and has done.</summary>
/// <param name="LoadedSegments">Sealed segments loaded now.</param>
/// <param name="LoadedBytes">Their locked bytes.</param>
/// <param name="BudgetBytes">The budget.</param>
/// <param name="Loads">Cold loads so far.</param>
/// <param name="Evictions">Evictions so far.</param>
/// <param name="UnwrapTime">Cold-load time in the HSM, unwrapping DEKs.</param>
/// <param name="ReadTime">Cold-load time reading pages from the log.</param>
/// <param name="DecryptTime">Cold-load time authenticating and decrypting pages into locked memory.</param>
/// <param name="AttachTime">Cold-load time attaching graphs and indexing payloads.</param>
/// <param name="PageBytes">Bytes of the encrypted pages cold loads read (and decrypted).</param>
public sealed record SegmentCacheStats(int LoadedSegments, long LoadedBytes, long BudgetBytes, long Loads, long Evictions, TimeSpan UnwrapTime, TimeSpan ReadTime, TimeSpan DecryptTime, TimeSpan AttachTime, long PageBytes);
