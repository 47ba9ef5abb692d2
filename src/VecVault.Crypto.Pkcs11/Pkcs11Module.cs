using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace VecVault.Crypto.Pkcs11;

/// <summary>
/// The process-wide instance of a PKCS#11 module. A module is initialised once and finalized only to reconnect:
/// finalizing finalizes PKCS#11 for every user of that module in the process.
/// </summary>
/// <remarks>
/// An out-of-process HSM (p11-kit-client.so) connects in <c>C_Initialize</c> and does not reconnect by itself: after
/// its server goes away every call fails with a device error. <see cref="Reconnect"/> then finalizes the module and
/// the next call initialises it again (at most every half second), so VecVault recovers when the HSM returns
/// without a restart. Every call runs under a shared lock, and a reconnect takes it exclusively, so the library is
/// never finalized under a running call.
/// </remarks>
internal sealed class Pkcs11Module
{
    private static readonly ConcurrentDictionary<string, Lazy<Pkcs11Module>> Modules = new(StringComparer.Ordinal);
    private static readonly TimeSpan ReconnectInterval = TimeSpan.FromMilliseconds(500);
    private static int _resolverInstalled;
    private readonly ConcurrentDictionary<string, Lazy<Pkcs11Token>> _tokens = new(StringComparer.Ordinal);
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.SupportsRecursion);
    private IPkcs11Library? _library;

    private long? _lastConnectAttempt;

    private Pkcs11Module(string path)
    {
        Path = path;
        Factories = new Pkcs11InteropFactories();
        TryConnect();
    }

    public string Path { get; }

    public Pkcs11InteropFactories Factories { get; }

    /// <summary>The module at <paramref name="path"/>, loaded on first use.</summary>
    public static Pkcs11Module Get(string path)
    {
        InstallLibdlResolver();
        return Modules.GetOrAdd(path, p => new Lazy<Pkcs11Module>(() => new Pkcs11Module(p))).Value;
    }

    /// <summary>Runs <paramref name="body"/> against the initialised module; throws a device error while it is not.</summary>
    public T Call<T>(Func<T> body)
    {
        if (Volatile.Read(ref _library) is null)
        {
            TryConnect();
        }

        _gate.EnterReadLock();
        try
        {
            return _library is null ? throw new Pkcs11Exception("C_Initialize", CKR.CKR_DEVICE_REMOVED) : body();
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>Finalizes the module after it lost its device; the next call initialises it again.</summary>
    public void Reconnect()
    {
        _gate.EnterWriteLock();
        try
        {
            var library = _library;
            _library = null;
            _tokens.Clear();
            try
            {
                library?.Dispose();
            }
            catch (Pkcs11Exception)
            {
                // Finalizing a module whose device is gone may fail; it is dropped all the same.
            }
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>The logged-in token labelled <paramref name="tokenLabel"/>. Call inside <see cref="Call{T}"/>.</summary>
    public Pkcs11Token GetToken(string tokenLabel, Func<string, string> pinProvider)
    {
        var lazy = _tokens.GetOrAdd(tokenLabel, label => new Lazy<Pkcs11Token>(() =>
            new Pkcs11Token(this, FindSlot(label) ?? throw new TokenNotFoundException(), label, pinProvider(label))));
        try
        {
            return lazy.Value;
        }
        catch (Exception)
        {
            // Do not cache a failure: the token may be plugged in, or the HSM may answer, later.
            _tokens.TryRemove(new KeyValuePair<string, Lazy<Pkcs11Token>>(tokenLabel, lazy));
            throw;
        }
    }

    /// <summary>
    /// Finds the slot holding the token labelled <paramref name="tokenLabel"/> (slot ids are not stable). A module
    /// with no token at all has lost its device: that is a device error, not a missing token. Call inside <see cref="Call{T}"/>.
    /// </summary>
    public ISlot? FindSlot(string tokenLabel)
    {
        var slots = _library!.GetSlotList(SlotsType.WithTokenPresent);
        if (slots.Count == 0)
        {
            throw new Pkcs11Exception("C_GetSlotList", CKR.CKR_TOKEN_NOT_PRESENT);
        }

        return slots.FirstOrDefault(slot => string.Equals(slot.GetTokenInfo().Label.TrimEnd(), tokenLabel, StringComparison.Ordinal));
    }

    private void TryConnect()
    {
        _gate.EnterWriteLock();
        try
        {
            var now = Environment.TickCount64;
            if (_library is not null || now - _lastConnectAttempt < ReconnectInterval.TotalMilliseconds)
            {
                return;
            }

            _lastConnectAttempt = now;
            try
            {
                _library = Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, Path, AppType.MultiThreaded);
            }
            catch (Pkcs11Exception)
            {
                // The device is not there yet; calls fail with a device error until it is.
            }
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>Pkcs11Interop asks for "libdl"; Debian 12 ships only libdl.so.2.</summary>
    private static void InstallLibdlResolver()
    {
        if (Interlocked.Exchange(ref _resolverInstalled, 1) != 0)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, Resolve);

        static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (name == "libdl" && OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libdl.so.2", out var handle))
            {
                return handle;
            }

            return 0;
        }
    }

    /// <summary>No present slot holds a token with the requested label.</summary>
    internal sealed class TokenNotFoundException : Exception
    {
    }
}
