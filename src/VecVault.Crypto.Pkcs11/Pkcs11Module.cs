using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace VecVault.Crypto.Pkcs11;

/// <summary>
/// The process-wide instance of a PKCS#11 module. A module is loaded once and never finalized while the
/// process runs: finalizing one instance finalizes PKCS#11 for every user in the process.
/// </summary>
internal sealed class Pkcs11Module
{
    private static readonly ConcurrentDictionary<string, Lazy<Pkcs11Module>> Modules = new(StringComparer.Ordinal);
    private static int _resolverInstalled;
    private readonly ConcurrentDictionary<string, Lazy<Pkcs11Token>> _tokens = new(StringComparer.Ordinal);

    private Pkcs11Module(string path)
    {
        Path = path;
        Factories = new Pkcs11InteropFactories();
        Library = Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, path, AppType.MultiThreaded);
    }

    public string Path { get; }

    public Pkcs11InteropFactories Factories { get; }

    public IPkcs11Library Library { get; }

    /// <summary>The module at <paramref name="path"/>, loaded on first use.</summary>
    public static Pkcs11Module Get(string path)
    {
        InstallLibdlResolver();
        return Modules.GetOrAdd(path, p => new Lazy<Pkcs11Module>(() => new Pkcs11Module(p))).Value;
    }

    /// <summary>The logged-in token labelled <paramref name="tokenLabel"/>.</summary>
    public Pkcs11Token GetToken(string tokenLabel, Func<string, string> pinProvider)
    {
        var lazy = _tokens.GetOrAdd(tokenLabel, label => new Lazy<Pkcs11Token>(() =>
        {
            var slot = FindSlot(label) ?? throw new TokenNotFoundException();
            return new Pkcs11Token(this, slot, label, pinProvider(label));
        }));
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

    /// <summary>Finds the slot holding the token labelled <paramref name="tokenLabel"/>; slot ids are not stable.</summary>
    public ISlot? FindSlot(string tokenLabel)
    {
        foreach (var slot in Library.GetSlotList(SlotsType.WithTokenPresent))
        {
            if (string.Equals(slot.GetTokenInfo().Label.TrimEnd(), tokenLabel, StringComparison.Ordinal))
            {
                return slot;
            }
        }

        return null;
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
