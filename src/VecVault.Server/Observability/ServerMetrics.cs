using System.Diagnostics.Metrics;
using Grpc.Core;
using VecVault.Core.Tenants;
using VecVault.Crypto.Pkcs11;
using VecVault.Engine;
using VecVault.Memory.Locked;

namespace VecVault.Server.Observability;

/// <summary>
/// The server's metrics, as .NET instruments in the <c>VecVault.Server</c> meter (exported at <c>/metrics</c> by
/// prometheus-net): calls and their latency per RPC, and, read at each scrape, HSM operations, segment loads and
/// evictions, locked bytes and tenants by state.
/// </summary>
public sealed class ServerMetrics
{
    /// <summary>The name of the meter.</summary>
    public const string MeterName = "VecVault.Server";

    private readonly Counter<long> _calls;
    private readonly Histogram<double> _callDuration;

    /// <summary>Creates the instruments in a meter of <paramref name="meters"/>.</summary>
    public ServerMetrics(IMeterFactory meters, VaultEngine engine, Pkcs11KekService hsm)
    {
        var meter = meters.Create(MeterName);
        _calls = meter.CreateCounter<long>("vecvault.rpc.calls", description: "gRPC calls by method and status code");
        _callDuration = meter.CreateHistogram<double>("vecvault.rpc.duration", "s", "gRPC call latency by method");
        meter.CreateObservableCounter("vecvault.hsm.wraps", () => hsm.Wraps, description: "DEKs wrapped by the HSM");
        meter.CreateObservableCounter("vecvault.hsm.unwraps", () => hsm.Unwraps, description: "DEKs unwrapped by the HSM");
        meter.CreateObservableCounter("vecvault.segment.loads", () => engine.SegmentStats.Loads, description: "Sealed segments loaded (unwrapped, read, decrypted)");
        meter.CreateObservableCounter("vecvault.segment.evictions", () => engine.SegmentStats.Evictions, description: "Loaded segments evicted and zeroed");
        meter.CreateObservableGauge("vecvault.segment.loaded", () => engine.SegmentStats.LoadedSegments, description: "Sealed segments in locked memory");
        meter.CreateObservableGauge("vecvault.locked.bytes", () => LockedMemory.LockedBytes, "By", "Bytes of locked memory in use");
        meter.CreateObservableGauge("vecvault.locked.budget.bytes", () => engine.SegmentStats.BudgetBytes, "By", "Locked bytes loaded segments may hold");
        meter.CreateObservableGauge("vecvault.segment.quarantined", () => engine.Quarantined.Count, description: "Segments that failed integrity checks");
        meter.CreateObservableGauge("vecvault.tenants", TenantsByState, description: "Tenants by state (key_revoked: their KEK was deleted or disabled)");

        IEnumerable<Measurement<int>> TenantsByState()
        {
            var tenants = engine.ListTenants();
            foreach (var state in Enum.GetValues<TenantState>())
            {
                yield return new(tenants.Count(t => t.State == state), new KeyValuePair<string, object?>("state", StateName(state)));
            }
        }
    }

    /// <summary>Records one finished call.</summary>
    public void RecordCall(string method, StatusCode code, TimeSpan elapsed)
    {
        var name = new KeyValuePair<string, object?>("method", method);
        _calls.Add(1, name, new("code", code.ToString()));
        _callDuration.Record(elapsed.TotalSeconds, name);
    }

    private static string StateName(TenantState state) => state switch
    {
        TenantState.Active => "active",
        TenantState.KeyRevoked => "key_revoked",
        TenantState.HsmUnavailable => "hsm_unavailable",
        _ => state.ToString().ToLowerInvariant(),
    };
}
