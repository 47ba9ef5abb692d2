using Microsoft.Extensions.Logging;
using VecVault.Core.Ids;

namespace VecVault.Engine;

// Compaction in the background: every CompactionInterval each tenant's log is rewritten when enough of it is dead.
public sealed partial class VaultEngine
{
    private Task _compactor = Task.CompletedTask;

    /// <summary>
    /// Compacts one tenant now (see <see cref="EngineOptions.CompactionDeadRatio"/>): rewrites its sealed segments
    /// with many dead points under fresh DEKs and drops dead records from its log.
    /// </summary>
    /// <returns>How many segments were compacted; -1 when nothing was worth a rewrite.</returns>
    public async Task<int> CompactAsync(TenantId id, CancellationToken cancellationToken)
    {
        // A shred or a key rotation of the same tenant waits for the rewrite, and the other way round.
        await _tenantGate.WaitAsync(cancellationToken);
        try
        {
            return await FindTenant(id).CompactAsync(_options.CompactionDeadRatio, cancellationToken);
        }
        finally
        {
            _tenantGate.Release();
        }
    }

    private void StartCompactor()
    {
        if (_options.CompactionInterval > TimeSpan.Zero)
        {
            _compactor = Task.Run(CompactInBackgroundAsync);
        }
    }

    private Task CompactInBackgroundAsync() => EveryAsync(_options.CompactionInterval, async () =>
    {
        foreach (var id in _tenants.Keys)
        {
            try
            {
                await CompactAsync(id, _monitorStopping.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The old log stays in place; the next round tries again.
                LogCompactionFailed(_logger, e, id.Value);
            }
        }
    }, e => LogCompactionFailed(_logger, e, "(all)"));

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Compaction of tenant {Tenant} failed")]
    private static partial void LogCompactionFailed(ILogger logger, Exception exception, string tenant);
}
