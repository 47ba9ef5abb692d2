using VecVault.Engine.Tenants;

namespace VecVault.Engine.Collections;

internal sealed partial class Collection
{
    /// <summary>True while the collection holds an unwrapped DEK (its write segment's).</summary>
    public bool HoldsDek => _active is { Key.IsDisposed: false };

    /// <summary>
    /// Zeroes the write segment's DEK when no write used it for <paramref name="timeToLive"/>; the next write opens a
    /// fresh segment under a fresh DEK (never the old key again, so no nonce can repeat). Skipped while a write holds
    /// the gate: that write is using the key. Returns true when a DEK was zeroed.
    /// </summary>
    public bool ExpireIdleDek(TimeSpan timeToLive)
    {
        if (!_writeGate.Wait(0))
        {
            return false;
        }

        try
        {
            if (_active is not { } active || _tenant.Time.GetElapsedTime(active.LastUsed) < timeToLive)
            {
                return false;
            }

            _state.EnterWriteLock();
            try
            {
                _segments.Remove(active.Id);
                active.Dispose();
                _active = null;
            }
            finally
            {
                _state.ExitWriteLock();
            }

            _tenant.Audit.Write("dek-expired", _tenant.Id.Value, KeyAudit.Segment(Name, active.Id, active.Key.Id, _tenant.Kek));
            return true;
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
