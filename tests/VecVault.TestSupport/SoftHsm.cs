using System.Security.Cryptography;
using VecVault.Memory.Native;

namespace VecVault.TestSupport;

/// <summary>
/// The test process's SoftHSM2: one private token directory for the process and a fresh token per fixture.
/// SoftHSM2 reads SOFTHSM2_CONF and lists its tokens once, when the module is initialised in a process: a token
/// that softhsm2-util creates later is not seen. So the tokens are initialised up front, before any test loads
/// the module, and handed out one per fixture. Keys are created and deleted later with pkcs11-tool: SoftHSM2
/// sees object changes made by other processes.
/// </summary>
public static class SoftHsm
{
    /// <summary>The SoftHSM2 PKCS#11 module.</summary>
    public const string ModulePath = "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>Tokens available to one test process (made one at a time: concurrent softhsm2-util runs race for the free slot).</summary>
    public const int PoolSize = 32;

    private static readonly Lazy<string> Config = new(CreateConfig);
    private static readonly Lazy<SoftHsmToken[]> Pool = new(() => [.. Enumerable.Range(0, PoolSize).Select(InitToken)]);
    private static int _next = -1;

    /// <summary>Path of the process's SoftHSM2 configuration file; set in the native environment on first use.</summary>
    public static string ConfigPath => Config.Value;

    /// <summary>Environment for child processes (softhsm2-util, pkcs11-tool, servers) sharing the token directory.</summary>
    public static IDictionary<string, string> Environment => new Dictionary<string, string> { ["SOFTHSM2_CONF"] = ConfigPath };

    /// <summary>
    /// Initialises the token pool; call before anything in the process loads the PKCS#11 module
    /// (every fixture calls it first).
    /// </summary>
    public static void EnsureInitialised() => _ = Pool.Value;

    /// <summary>A fresh token with a random label, user PIN and SO PIN, used by no other fixture.</summary>
    public static SoftHsmToken CreateToken()
    {
        var index = Interlocked.Increment(ref _next);
        return index < PoolSize ? Pool.Value[index]
            : throw new InvalidOperationException($"more than {PoolSize} SoftHSM2 tokens asked for in one test process; raise SoftHsm.PoolSize");
    }

    private static SoftHsmToken InitToken(int index)
    {
        var label = $"t{index:D2}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var pin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var soPin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        ExternalTool.Run("/usr/bin/softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", soPin], Environment);
        return new SoftHsmToken(label, pin);
    }

    private static string CreateConfig()
    {
        var root = Path.Combine(Path.GetTempPath(), $"vecvault-softhsm-{System.Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var tokens = Path.Combine(root, "tokens");
        Directory.CreateDirectory(tokens);
        var config = Path.Combine(root, "softhsm2.conf");
        File.WriteAllText(config, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        NativeEnvironment.Set("SOFTHSM2_CONF", config);
        return config;
    }
}
