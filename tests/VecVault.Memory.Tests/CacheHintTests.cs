using VecVault.Memory.Hints;
using VecVault.Memory.Locked;

namespace VecVault.Memory.Tests;

public sealed class CacheHintTests
{
    [Fact]
    public void Prefetching_a_range_is_only_a_hint_in_range_out_of_range_and_once_disposed()
    {
        var buffer = LockedBuffer.Allocate(4096);
        buffer.Span.Fill(7);
        buffer.Prefetch(0, 4096);
        buffer.Prefetch(4000, 1 << 20);
        buffer.Prefetch(-1, 64);
        buffer.Prefetch(4096, 64);
        buffer.Prefetch(100, 0);
        Assert.All(buffer.Span.ToArray(), b => Assert.Equal(7, b));
        buffer.Dispose();
        buffer.Prefetch(0, 4096);
    }

    [Fact]
    public void Prefetching_managed_memory_leaves_it_unchanged()
    {
        var links = Enumerable.Range(0, 33).ToArray();
        CacheHint.Prefetch(in links[0], links.Length);
        CacheHint.Prefetch(in links[32], 1);
        Assert.Equal(Enumerable.Range(0, 33), links);
    }
}
