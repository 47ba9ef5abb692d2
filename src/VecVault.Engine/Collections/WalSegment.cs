using VecVault.Crypto.Keys;

namespace VecVault.Engine.Collections;

/// <summary>
/// The active segment's WAL under one DEK, as the write path sees it: its id (from the collection's segment ids), the
/// DEK, the next record sequence number and when the DEK was last used.
/// A WAL DEK encrypts only during the server run that opened it: after a restart (or the DEK's idle time-to-live),
/// writes continue under a fresh DEK with a fresh id, so a nonce is never reused even if uncommitted ciphertext of
/// the previous run reached the disk.
/// </summary>
internal sealed class WalSegment(ulong id, DataKey key, long now) : IDisposable
{
    private ulong _nextSequence = 1;

    public ulong Id { get; } = id;

    public DataKey Key { get; } = key;

    /// <summary>Last sequence number accepted during recovery; records must arrive strictly increasing.</summary>
    public ulong LastRecoveredSequence { get; set; }

    /// <summary>Log bytes of the run's records, counted as reclaimable once a seal replaces the run.</summary>
    public long Bytes { get; set; }

    /// <summary>Timestamp (of the tenant's clock) of the DEK's last use.</summary>
    public long LastUsed { get; private set; } = now;

    /// <summary>Takes the next sequence number and marks the DEK used at <paramref name="now"/>. Callers hold the collection's write gate.</summary>
    public ulong NextSequence(long now)
    {
        LastUsed = now;
        return _nextSequence++;
    }

    public void Dispose() => Key.Dispose();
}
