using System.Collections.Concurrent;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace VecVault.Crypto.Pkcs11;

/// <summary>
/// One token of a module: a pool of logged-in sessions. A PKCS#11 session is not thread-safe (sharing one
/// across threads corrupts SoftHSM2's heap), so each call rents a session for its own use. Sessions stay
/// open for the process lifetime: closing the last one would log every session out.
/// </summary>
internal sealed class Pkcs11Token
{
    private readonly ConcurrentBag<ISession> _idle = [];
    private readonly ISlot _slot;
    private readonly Lazy<HashSet<CKM>> _mechanisms;

    public Pkcs11Token(Pkcs11Module module, ISlot slot, string label, string pin)
    {
        Module = module;
        _slot = slot;
        Label = label;
        var first = slot.OpenSession(SessionType.ReadOnly);
        try
        {
            first.Login(CKU.CKU_USER, pin);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // Login is per process and per token: another user in this process logged in already.
        }

        _idle.Add(first);
        _mechanisms = new Lazy<HashSet<CKM>>(() => [.. _slot.GetMechanismList()]);
    }

    public Pkcs11Module Module { get; }

    public string Label { get; }

    /// <summary>True when the token offers <paramref name="mechanism"/> (C_GetMechanismList).</summary>
    public bool Supports(CKM mechanism) => _mechanisms.Value.Contains(mechanism);

    /// <summary>Runs <paramref name="operation"/> on a read-write session of its own, closed afterwards (the pool stays open, so no one is logged out).</summary>
    public T RunReadWrite<T>(Func<ISession, T> operation)
    {
        using var session = _slot.OpenSession(SessionType.ReadWrite);
        return operation(session);
    }

    /// <summary>Runs <paramref name="operation"/> on a session used by no other thread meanwhile.</summary>
    public T Run<T>(Func<ISession, T> operation)
    {
        var session = _idle.TryTake(out var idle) ? idle : _slot.OpenSession(SessionType.ReadOnly);
        try
        {
            var result = operation(session);
            _idle.Add(session);
            return result;
        }
        catch (Pkcs11Exception e) when (!Pkcs11Errors.IsSessionBroken(e.RV))
        {
            _idle.Add(session);
            throw;
        }
        catch (Pkcs11Exception)
        {
            // A broken session is dropped; the next call opens a new one.
            Close(session);
            throw;
        }
    }

    private static void Close(ISession session)
    {
        try
        {
            session.Dispose();
        }
        catch (Pkcs11Exception)
        {
            // Already gone with the device or the session.
        }
    }
}
