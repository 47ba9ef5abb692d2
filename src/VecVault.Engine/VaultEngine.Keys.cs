using Microsoft.Extensions.Logging;

namespace VecVault.Engine;

public sealed partial class VaultEngine
{
    private readonly CancellationTokenSource _monitorStopping = new();
    private Task _monitor = Task.CompletedTask;

    /// <summary>Checks every tenant's KEK in its HSM now, in parallel, and acts on each answer (revoke, deny, serve again).</summary>
    public Task CheckKeysAsync() =>
        Task.WhenAll(_tenants.Values.Select(tenant => Task.Run(tenant.CheckKey)));

    private void StartKeyMonitor()
    {
        if (_options.KeyCheckInterval > TimeSpan.Zero)
        {
            _monitor = Task.Run(MonitorKeysAsync);
        }
    }

    private async Task MonitorKeysAsync()
    {
        using var timer = new PeriodicTimer(_options.KeyCheckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_monitorStopping.Token))
            {
                try
                {
                    await CheckKeysAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogKeyCheckFailed(_logger, e);
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
