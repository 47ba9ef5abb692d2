using VecVault.Memory.Locked;
using VecVault.Storage.Log;

namespace VecVault.Server.Options;

/// <summary>The server's settings: section <c>VecVault</c> of appsettings.json, environment variables
/// (<c>VecVault__DataDirectory</c>) and the command line (<c>--VecVault:DataDirectory=...</c>).</summary>
public sealed class VecVaultOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "VecVault";

    /// <summary>Where the gRPC endpoint listens.</summary>
    public ListenOptions Listen { get; set; } = new();

    /// <summary>Root of all data.</summary>
    public string DataDirectory { get; set; } = ".vecvault/data";

    /// <summary>When writes are acknowledged: Commit (durable, default) or Async.</summary>
    public Durability Durability { get; set; } = Durability.Commit;

    /// <summary>Required (default): refuse to start without locked memory. BestEffort: warn and continue.</summary>
    public LockedMemoryPolicy LockedMemory { get; set; } = LockedMemoryPolicy.Required;

    /// <summary>Locked bytes loaded sealed segments may hold (all tenants); past it the least recently used are evicted and zeroed.</summary>
    public long SegmentCacheBytes { get; set; } = 2L << 30;

    /// <summary>How often each tenant is considered for compaction (<c>00:00:00</c>: never in the background).</summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Dead share of a sealed segment's points (or of a log's bytes) at which it is compacted.</summary>
    public double CompactionDeadRatio { get; set; } = 0.3;

    /// <summary>How the HSM is reached.</summary>
    public HsmOptions Hsm { get; set; } = new();

    /// <summary>Credentials.</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>Key monitoring.</summary>
    public KeysOptions Keys { get; set; } = new();

    /// <summary>Request limits.</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>The Prometheus endpoint.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Listen address and port.</summary>
    public sealed class ListenOptions
    {
        /// <summary>IP address to bind.</summary>
        public string Address { get; set; } = "127.0.0.1";

        /// <summary>TCP port; 0 picks a free one.</summary>
        public int Port { get; set; } = 50051;

        /// <summary>TLS; off while <see cref="TlsOptions.CertificateFile"/> is empty.</summary>
        public TlsOptions Tls { get; set; } = new();
    }

    /// <summary>TLS and mutual TLS for the gRPC endpoint.</summary>
    public sealed class TlsOptions
    {
        /// <summary>The server certificate: a PEM file (with <see cref="KeyFile"/>) or a PKCS#12 file.</summary>
        public string CertificateFile { get; set; } = "";

        /// <summary>The PEM private key of <see cref="CertificateFile"/>; empty for PKCS#12 or a PEM holding both.</summary>
        public string KeyFile { get; set; } = "";

        /// <summary>Mutual TLS: a PEM file of the CA certificates client certificates must chain to. Empty: no client certificate asked for.</summary>
        public string ClientCaFile { get; set; } = "";
    }

    /// <summary>The Prometheus <c>/metrics</c> endpoint, on its own port (plain HTTP/1.1).</summary>
    public sealed class MetricsOptions
    {
        /// <summary>Serve metrics at all.</summary>
        public bool Enabled { get; set; } = true;

        /// <summary>IP address to bind.</summary>
        public string Address { get; set; } = "127.0.0.1";

        /// <summary>TCP port; 0 picks a free one.</summary>
        public int Port { get; set; } = 9464;
    }

    /// <summary>HSM settings.</summary>
    public sealed class HsmOptions
    {
        /// <summary>The PKCS#11 module.</summary>
        public string ModulePath { get; set; } = "/usr/lib/softhsm/libsofthsm2.so";

        /// <summary>Environment variable holding the token user PIN.</summary>
        public string PinEnvironmentVariable { get; set; } = "VECVAULT_HSM_PIN";

        /// <summary>File holding the PIN; used when the environment variable is not set.</summary>
        public string PinFile { get; set; } = "";

        /// <summary>How long one HSM call may take before the tenant's HSM counts as unavailable.</summary>
        public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);
    }

    /// <summary>Credential settings.</summary>
    public sealed class AuthOptions
    {
        /// <summary>Where the first admin key is written on first start; default <c>&lt;DataDirectory&gt;/admin.key</c>.</summary>
        public string AdminKeyFile { get; set; } = "";

        /// <summary>Failed authentications one client address may make per <see cref="FailureWindow"/>; past it every call from that address gets RESOURCE_EXHAUSTED until the window ends.</summary>
        public int MaxFailures { get; set; } = 20;

        /// <summary>The window <see cref="MaxFailures"/> counts over.</summary>
        public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);
    }

    /// <summary>Key monitoring settings.</summary>
    public sealed class KeysOptions
    {
        /// <summary>
        /// Allow tenants with key model none: NO BYOK, the DEK stored beside the data. For benchmarks measuring
        /// BYOK's cost only; logged loudly at start and reported by GetServerStats.
        /// </summary>
        public bool AllowInsecureKeyModelNone { get; set; }

        /// <summary>How often every tenant's KEK is checked in its HSM: a deleted or disabled KEK is acted on
        /// within about this interval plus the HSM's answer time (0.25 s to confirm a key is gone).</summary>
        public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>How long a collection's write DEK stays unwrapped with no write; then it is zeroed and the next write opens a fresh segment.</summary>
        public TimeSpan DekTimeToLive { get; set; } = TimeSpan.FromMinutes(5);
    }

    /// <summary>Request limits.</summary>
    public sealed class LimitOptions
    {
        /// <summary>Largest request or response message, in bytes.</summary>
        public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

        /// <summary>Most points in one upsert, get or delete.</summary>
        public int MaxBatchPoints { get; set; } = 10_000;

        /// <summary>Largest k of a search, and limit of a scroll.</summary>
        public int MaxK { get; set; } = 1_000;

        /// <summary>Most searches in one SearchBatch.</summary>
        public int MaxSearchBatch { get; set; } = 256;

        /// <summary>Deepest payload nesting.</summary>
        public int MaxPayloadDepth { get; set; } = 32;

        /// <summary>Largest payload of one point, in bytes of its wire form.</summary>
        public int MaxPayloadBytes { get; set; } = 64 * 1024;
    }
}
