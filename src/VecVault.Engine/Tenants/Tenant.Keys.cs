using Microsoft.Extensions.Logging;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Core.Tenants;

namespace VecVault.Engine.Tenants;

internal sealed partial class Tenant
{
    /// <summary>
    /// Asks the HSM whether the tenant's KEK is still there and usable, and acts on the answer:
    /// <list type="bullet">
    /// <item>revoked (deleted, disabled, unusable): every request is denied with KeyRevoked, and every DEK and
    /// decrypted page of the tenant is zeroed and released;</item>
    /// <item>HSM unreachable: requests are denied with HsmUnavailable at once under fail-closed, or after the grace
    /// period under serve-warm (until then loaded data keeps serving);</item>
    /// <item>usable again: the tenant is loaded anew from its log and served, without a restart.</item>
    /// </list>
    /// </summary>
    public void CheckKey()
    {
        VecVaultException? failure = null;
        try
        {
            Keys.Check(Kek);
        }
        catch (VecVaultException e)
        {
            failure = e;
        }

        _catalogGate.Wait();
        try
        {
            switch (failure?.Code)
            {
                case null:
                    OnKeyUsable();
                    break;
                case ErrorCode.KeyRevoked or ErrorCode.FailedPrecondition:
                    OnKeyRevoked(failure);
                    break;
                default:
                    OnHsmUnavailable(failure);
                    break;
            }
        }
        finally
        {
            _catalogGate.Release();
        }
    }

    /// <summary>Zeroes every write DEK of the tenant idle for <paramref name="timeToLive"/>; returns how many.</summary>
    public int ExpireIdleDeks(TimeSpan timeToLive) => _collections.Values.Count(c => c.ExpireIdleDek(timeToLive));

    /// <summary>Unwrapped DEKs the tenant holds now (one per collection being written at most).</summary>
    public int CachedDeks => _collections.Values.Count(c => c.HoldsDek);

    private void OnKeyUsable()
    {
        _outageSince = null;
        if (_loaded)
        {
            if (_denial is not null)
            {
                LogTenantServedAgain(_logger, Id.Value);
                Audit.Write("served-again", Id.Value, [new("kek", Kek.ToString())]);
            }

            _denial = null;
            State = TenantState.Active;
        }
        else if (_denial?.Code is ErrorCode.KeyRevoked or ErrorCode.HsmUnavailable && TryLoad())
        {
            LogTenantServedAgain(_logger, Id.Value);
            Audit.Write("served-again", Id.Value, [new("kek", Kek.ToString())]);
        }
    }

    private void OnKeyRevoked(VecVaultException reason)
    {
        if (State == TenantState.KeyRevoked)
        {
            return;
        }

        var denial = new VecVaultException(ErrorCode.KeyRevoked, reason.Message.StartsWith("tenant key revoked", StringComparison.Ordinal)
            ? reason.Message : $"tenant key revoked or unusable: {reason.Message}");
        Unload(denial);
        Deny(denial, TenantState.KeyRevoked);
        LogKeyRevoked(_logger, Id.Value, Kek.ToString());
        Audit.Write("key-revoked", Id.Value, [new("kek", Kek.ToString()), new("reason", reason.Message)]);
    }

    private void OnHsmUnavailable(VecVaultException reason)
    {
        if (State == TenantState.KeyRevoked)
        {
            return;
        }

        var now = _time.GetTimestamp();
        _outageSince ??= now;
        State = TenantState.HsmUnavailable;
        var denial = new VecVaultException(ErrorCode.HsmUnavailable, $"tenant's HSM unavailable: {reason.Message}");
        var graceOver = _time.GetElapsedTime(_outageSince.Value, now) >= TimeSpan.FromMilliseconds(_record.OutageGraceMilliseconds);
        if ((_record.OutagePolicy == OutagePolicy.FailClosed || graceOver) && _denial is null)
        {
            _denial = denial;
            LogOutageDenied(_logger, Id.Value, _record.OutagePolicy.ToString());
            Audit.Write("hsm-unavailable", Id.Value, [new("kek", Kek.ToString()), new("policy", _record.OutagePolicy.ToString())]);
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "KEK {Kek} of tenant {Tenant} is revoked: requests denied, keys and pages zeroed")]
    private static partial void LogKeyRevoked(ILogger logger, string tenant, string kek);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "HSM of tenant {Tenant} unavailable: requests denied ({Policy})")]
    private static partial void LogOutageDenied(ILogger logger, string tenant, string policy);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Tenant {Tenant} is served again")]
    private static partial void LogTenantServedAgain(ILogger logger, string tenant);
}
