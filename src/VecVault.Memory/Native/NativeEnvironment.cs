namespace VecVault.Memory.Native;

/// <summary>
/// Sets variables in the native process environment. <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// does not reach native code on Linux, but PKCS#11 modules read their configuration with getenv
/// (SoftHSM2: SOFTHSM2_CONF; p11-kit: P11_KIT_SERVER_ADDRESS).
/// </summary>
public static class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> for native code and for .NET; call before the module is loaded.</summary>
    public static void Set(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (OperatingSystem.IsLinux() && Libc.setenv(name, value, 1) != 0)
        {
            throw new InvalidOperationException($"setenv({name}) failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }

        Environment.SetEnvironmentVariable(name, value);
    }
}
