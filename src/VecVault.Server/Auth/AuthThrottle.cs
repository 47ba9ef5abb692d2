using System.Collections.Concurrent;

namespace VecVault.Server.Auth;

/// <summary>
/// Counts failed authentications per client address in fixed windows. An address past the limit is refused
/// outright (without its credential being checked, so guessing gains nothing) until its window ends.
/// </summary>
public sealed class AuthThrottle(int maxFailures, TimeSpan window, TimeProvider time)
{
    private const int MaxTrackedAddresses = 100_000;
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="address"/> is refused now; <paramref name="retryAfter"/> says for how long.</summary>
    public bool IsThrottled(string address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_windows.TryGetValue(address, out var current))
        {
            return false;
        }

        var now = time.GetUtcNow();
        if (now >= current.End)
        {
            return false;
        }

        retryAfter = current.End - now;
        return current.Failures >= maxFailures;
    }

    /// <summary>Counts a failed authentication from <paramref name="address"/>; true when it reached the limit.</summary>
    public bool RecordFailure(string address)
    {
        var now = time.GetUtcNow();
        if (_windows.Count >= MaxTrackedAddresses)
        {
            foreach (var (key, expired) in _windows)
            {
                if (now >= expired.End)
                {
                    _windows.TryRemove(key, out _);
                }
            }
        }

        var updated = _windows.AddOrUpdate(
            address,
            _ => new Window(now + window, 1),
            (_, current) => now >= current.End ? new Window(now + window, 1) : current with { Failures = current.Failures + 1 });
        return updated.Failures == maxFailures;
    }

    /// <summary>The client address of a gRPC peer string (<c>ipv4:127.0.0.1:5000</c>, <c>ipv6:[::1]:5000</c>): the port changes per connection, so it is dropped.</summary>
    public static string AddressOf(string peer)
    {
        var end = peer.LastIndexOf(':');
        var start = peer.IndexOf(':', StringComparison.Ordinal);
        return end > start && start >= 0 ? peer[(start + 1)..end] : peer;
    }

    private sealed record Window(DateTimeOffset End, int Failures);
}
