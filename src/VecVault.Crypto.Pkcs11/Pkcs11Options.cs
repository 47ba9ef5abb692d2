namespace VecVault.Crypto.Pkcs11;

/// <summary>How VecVault reaches the HSM.</summary>
public sealed record Pkcs11Options
{
    /// <summary>The PKCS#11 module: SoftHSM2 in development, the vendor's module in production,
    /// or <c>p11-kit-client.so</c> for an HSM served by <c>p11-kit server</c>.</summary>
    public string ModulePath { get; init; } = "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>Returns the user PIN of a token, by token label. Never logged.</summary>
    public required Func<string, string> PinProvider { get; init; }

    /// <summary>How long one HSM call may take before it is given up as unavailable (a hung module or network).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts for a call that fails transiently (the HSM did not answer), with backoff between them.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Backoff before the second attempt; doubles for each further one.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a key that seems gone is looked for again before it is declared revoked
    /// (SoftHSM2 briefly reports a key missing while an admin rewrites its attributes).</summary>
    public TimeSpan KeyGoneConfirmation { get; init; } = TimeSpan.FromMilliseconds(250);
}
