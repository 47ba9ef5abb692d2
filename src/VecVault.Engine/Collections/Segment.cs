using VecVault.Crypto.Keys;

namespace VecVault.Engine.Collections;

/// <summary>
/// A segment of a collection as the write path sees it: its id, its DEK and the next record sequence number.
/// A segment's DEK encrypts only during the server run that opened it: after a restart, writes go to a fresh
/// segment under a fresh DEK, so a nonce is never reused even if uncommitted ciphertext of the previous run
/// reached the disk.
/// </summary>
internal sealed class Segment(ulong id, DataKey key) : IDisposable
{
    private ulong _nextSequence = 1;

    public ulong Id { get; } = id;

    public DataKey Key { get; } = key;

    /// <summary>Last sequence number accepted during recovery; records must arrive strictly increasing.</summary>
    public ulong LastRecoveredSequence { get; set; }

    /// <summary>Takes the next sequence number. Callers hold the collection's write gate.</summary>
    public ulong NextSequence() => _nextSequence++;

    public void Dispose() => Key.Dispose();
}
