using Microsoft.Extensions.Logging;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Keys;

namespace VecVault.Engine;

public sealed partial class VaultEngine
{
    private readonly CancellationTokenSource _monitorStopping = new();
    private Task _monitor = Task.CompletedTask;

    /// <summary>
    /// Rotates a tenant's KEK to <paramref name="newKek"/>: rewraps every DEK of the tenant under it and switches over
    /// atomically; no page is re-encrypted. Afterwards the old KEK may be destroyed.
    /// </summary>
    /// <returns>The new KEK version and how many DEKs were rewrapped.</returns>
    public async Task<(uint KekVersion, int RewrappedDeks)> RotateTenantKeyAsync(TenantId id, KekReference newKek, CancellationToken cancellationToken)
    {
        newKek.Validate("new_kek");
        if (newKek.Model == KeyModel.None && !_options.AllowKeyModelNone)
        {
            throw new VecVaultException(ErrorCode.FailedPrecondition, "key model none (no BYOK) is for benchmarks and is not enabled on this server", "new_kek.model");
        }

        // Shredding and rotating one tenant at once would rotate a log being deleted.
        await _tenantGate.WaitAsync(cancellationToken);
        try
        {
            return await FindTenant(id).RotateKekAsync(newKek, cancellationToken);
        }
        finally
        {
            _tenantGate.Release();
        }
    }

    /// <summary>
    /// Rotates data keys: re-encrypts the data of one collection (every collection when <paramref name="collection"/>
    /// is null) under fresh DEKs by rewriting the tenant's log, and deletes the old log.
    /// </summary>
    /// <returns>How many segments were re-encrypted.</returns>
    public async Task<int> RotateDataKeysAsync(TenantId id, string? collection, CancellationToken cancellationToken)
    {
        await _tenantGate.WaitAsync(cancellationToken);
        try
        {
            return await FindTenant(id).RotateDataKeysAsync(collection, cancellationToken);
        }
        finally
        {
            _tenantGate.Release();
        }
    }

    /// <summary>Checks every tenant's KEK in its HSM now, in parallel, and acts on each answer (revoke, deny, serve again).</summary>
    /// <remarks>Each check runs on a thread of its own: an HSM call may block it for a whole call timeout, which must not starve the thread pool that serves requests.</remarks>
    public Task CheckKeysAsync() =>
        Task.WhenAll(_tenants.Values.Select(tenant => Task.Factory.StartNew(tenant.CheckKey, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

    /// <summary>Unwrapped DEKs held now, over all tenants: only write DEKs, each until <see cref="EngineOptions.DekTimeToLive"/> of idleness.</summary>
    public int CachedDeks => _tenants.Values.Sum(t => t.CachedDeks);

    /// <summary>Zeroes every write DEK idle for <see cref="EngineOptions.DekTimeToLive"/> (the key monitor does this each round); returns how many.</summary>
    public int ExpireIdleDeks() => _tenants.Values.Sum(t => t.ExpireIdleDeks(_options.DekTimeToLive));

    private void StartKeyMonitor()
    {
        if (_options.KeyCheckInterval > TimeSpan.Zero)
        {
            _monitor = Task.Run(MonitorKeysAsync);
        }
    }

    private Task MonitorKeysAsync() => EveryAsync(_options.KeyCheckInterval, async () =>
    {
        await CheckKeysAsync();
        ExpireIdleDeks();
    }, e => LogKeyCheckFailed(_logger, e));

    /// <summary>Runs <paramref name="round"/> every <paramref name="interval"/> until the engine stops; a failed round is reported and the next one runs.</summary>
    private async Task EveryAsync(TimeSpan interval, Func<Task> round, Action<Exception> failed)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_monitorStopping.Token))
            {
                try
                {
                    await round();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task StopKeyMonitorAsync()
    {
        await _monitorStopping.CancelAsync();
        await _monitor;
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "A key check round failed")]
    private static partial void LogKeyCheckFailed(ILogger logger, Exception exception);
}
