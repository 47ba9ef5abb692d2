namespace VecVault.Client;

/// <summary>How a <see cref="VecVaultClient"/> connects and calls.</summary>
public sealed record VecVaultClientOptions
{
    /// <summary>Largest message sent or received, in bytes (the server's default limit).</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Deadline of a unary call that sets none; <see cref="Timeout.InfiniteTimeSpan"/> for none. Streaming calls get no default.</summary>
    public TimeSpan DefaultDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per call when the server answers UNAVAILABLE (an unreachable server or HSM); 1 turns retries off. No other status is retried.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Backoff before the first retry; it doubles up to 2 s, with jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>TLS: a PEM file of the CA certificates the server's certificate must chain to (empty: the system's trust store).</summary>
    public string CaCertificateFile { get; init; } = "";

    /// <summary>Mutual TLS: the client certificate, a PEM file (with <see cref="ClientKeyFile"/>).</summary>
    public string ClientCertificateFile { get; init; } = "";

    /// <summary>Mutual TLS: the PEM private key of <see cref="ClientCertificateFile"/>.</summary>
    public string ClientKeyFile { get; init; } = "";
}
