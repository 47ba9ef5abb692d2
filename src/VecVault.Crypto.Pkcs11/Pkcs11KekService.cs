using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Crypto.Keys;
using VecVault.Memory.Locked;

namespace VecVault.Crypto.Pkcs11;

/// <summary>
/// Wraps and unwraps DEKs with KEKs held in a PKCS#11 HSM, in the symmetric (AES-GCM) or the asymmetric
/// (RSA-OAEP) model. One module instance per process, a pool of sessions per token, keys found by label (and
/// CKA_ID), transient failures retried with backoff, and a key that seems gone looked for again briefly before it
/// is declared revoked.
/// </summary>
public sealed partial class Pkcs11KekService : IKekService
{
    private readonly Pkcs11Options _options;
    private readonly Pkcs11Module _module;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<KekReference, IObjectHandle> _handles = new();
    private int _unanswered;
    private long _wraps;
    private long _unwraps;
    private readonly Histogram<double>? _callDuration;

    /// <summary>
    /// Loads the module (once per process) named by <paramref name="options"/>. With <paramref name="meters"/>, every
    /// HSM operation's duration (retries included) is recorded in <c>vecvault.hsm.call.duration</c>, tagged with the
    /// operation and its outcome (<c>ok</c> or the error code).
    /// </summary>
    public Pkcs11KekService(Pkcs11Options options, ILogger<Pkcs11KekService> logger, IMeterFactory? meters = null)
    {
        _options = options;
        _logger = logger;
        _module = Pkcs11Module.Get(options.ModulePath);
        _callDuration = meters?.Create(MeterName).CreateHistogram<double>("vecvault.hsm.call.duration", "s", "Duration of HSM operations");
    }

    /// <summary>The name of the meter HSM metrics are recorded in.</summary>
    public const string MeterName = "VecVault.Hsm";

    /// <summary>Successful wraps since start.</summary>
    public long Wraps => Interlocked.Read(ref _wraps);

    /// <summary>Successful unwraps since start.</summary>
    public long Unwraps => Interlocked.Read(ref _unwraps);

    /// <inheritdoc />
    public byte[] Wrap(KekReference kek, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context)
    {
        var wrapped = kek.Model switch
        {
            KeyModel.AesGcm => WrapAes(kek, dek, context),
            KeyModel.RsaOaep => WrapRsa(kek, dek, context),
            _ => throw NotServed(kek),
        };
        Interlocked.Increment(ref _wraps);
        return wrapped;
    }

    /// <inheritdoc />
    public LockedBuffer Unwrap(KekReference kek, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        var dek = kek.Model switch
        {
            KeyModel.AesGcm => UnwrapAes(kek, wrapped, context),
            KeyModel.RsaOaep => UnwrapRsa(kek, wrapped, context),
            _ => throw NotServed(kek),
        };
        Interlocked.Increment(ref _unwraps);
        return dek;
    }

    /// <inheritdoc />
    public void Check(KekReference kek)
    {
        switch (kek.Model)
        {
            case KeyModel.AesGcm:
                CheckAes(kek);
                break;
            case KeyModel.RsaOaep:
                CheckRsa(kek);
                break;
            default:
                throw NotServed(kek);
        }
    }

    /// <inheritdoc />
    public int Destroy(KekReference kek)
    {
        if (kek.Model is not (KeyModel.AesGcm or KeyModel.RsaOaep))
        {
            throw NotServed(kek);
        }

        try
        {
            var destroyed = _module.Call(() => GetToken(kek).RunReadWrite(session =>
            {
                var factory = _module.Factories.ObjectAttributeFactory;
                List<IObjectAttribute> template = [factory.Create(CKA.CKA_LABEL, kek.KeyLabel)];
                if (kek.KeyIdHex.Length > 0)
                {
                    template.Add(factory.Create(CKA.CKA_ID, Convert.FromHexString(kek.KeyIdHex)));
                }

                // The secret key, or the private and public key of the pair.
                var objects = session.FindAllObjects(template);
                foreach (var handle in objects)
                {
                    session.DestroyObject(handle);
                }

                return objects.Count;
            }));
            _handles.TryRemove(kek, out _);
            _publicKeys.TryRemove(kek, out _);
            LogKekDestroyed(_logger, kek.ToString(), destroyed);
            return destroyed;
        }
        catch (Pkcs11Exception e)
        {
            OnDeviceError(e.RV);
            throw Pkcs11Errors.ToException(e.RV, "destroy", kek.ToString(), e);
        }
    }

    private static VecVaultException NotServed(KekReference kek) =>
        new(ErrorCode.FailedPrecondition, $"key model {kek.Model} is not served by the PKCS#11 adapter");

    /// <summary>Refuses a token that lacks the mechanism a key model needs, naming it.</summary>
    private void RequireMechanism(KekReference kek, CKM mechanism)
    {
        // Through Call, so a module that lost its device is reconnected and the question asked again.
        var supported = Call(kek, "list mechanisms", (_, _) => GetToken(kek).Supports(mechanism));
        if (!supported)
        {
            throw new VecVaultException(ErrorCode.KeyRevoked,
                $"tenant key revoked or unusable: token '{kek.TokenLabel}' lacks {mechanism}, which key model {kek.Model} needs");
        }
    }

    /// <summary>The token, logged in. Call inside the module's <c>Call</c>; PKCS#11 errors other than a missing token or a refused PIN pass through.</summary>
    private Pkcs11Token GetToken(KekReference kek)
    {
        try
        {
            return _module.GetToken(kek.TokenLabel, _options.PinProvider);
        }
        catch (Pkcs11Module.TokenNotFoundException)
        {
            throw new VecVaultException(ErrorCode.KeyRevoked, $"tenant key revoked or unusable: token '{kek.TokenLabel}' not found");
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE or CKR.CKR_PIN_EXPIRED or CKR.CKR_PIN_LOCKED)
        {
            throw new VecVaultException(ErrorCode.FailedPrecondition, $"HSM login to token '{kek.TokenLabel}' refused ({e.RV}); check the configured PIN", innerException: e);
        }
    }

    /// <summary>After a device error the module is finalized, to be initialised again by the next call.</summary>
    private void OnDeviceError(CKR rv)
    {
        if (Pkcs11Errors.IsDeviceLost(rv))
        {
            _handles.Clear();
            _module.Reconnect();
        }
    }

    /// <summary>
    /// Runs an operation with the KEK's handle: retries transient failures with backoff, and re-finds a key
    /// that seems gone for a short while before declaring it revoked.
    /// </summary>
    private T Call<T>(KekReference kek, string operation, Func<ISession, IObjectHandle, T> body)
    {
        if (_callDuration is null)
        {
            return CallWithRetries(kek, operation, body);
        }

        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            return CallWithRetries(kek, operation, body);
        }
        catch (VecVaultException e)
        {
            outcome = e.Code.ToString();
            throw;
        }
        finally
        {
            _callDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new("operation", operation), new("outcome", outcome));
        }
    }

    private T CallWithRetries<T>(KekReference kek, string operation, Func<ISession, IObjectHandle, T> body)
    {
        var backoff = _options.RetryBackoff;
        var goneSince = (long?)null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return WithTimeout(kek, operation, () => _module.Call(() => GetToken(kek).Run(session =>
                {
                    var key = _handles.GetOrAdd(kek, _ => FindKey(session, kek) ?? throw new Pkcs11Exception("C_FindObjects", CKR.CKR_OBJECT_HANDLE_INVALID));
                    return body(session, key);
                })));
            }
            catch (Pkcs11Exception e) when (Pkcs11Errors.IsKeyGone(e.RV))
            {
                _handles.TryRemove(kek, out _);
                goneSince ??= Environment.TickCount64;
                if (Environment.TickCount64 - goneSince.Value >= _options.KeyGoneConfirmation.TotalMilliseconds)
                {
                    LogKeyGone(_logger, kek.ToString(), operation);
                    throw Pkcs11Errors.ToException(e.RV, operation, kek.ToString(), e);
                }

                Thread.Sleep(25);
            }
            catch (Pkcs11Exception e) when (Pkcs11Errors.IsTransient(e.RV) && attempt < _options.MaxAttempts)
            {
                OnDeviceError(e.RV);
                LogRetry(_logger, operation, kek.ToString(), e.RV.ToString(), attempt);
                Thread.Sleep(backoff);
                backoff *= 2;
            }
            catch (Pkcs11Exception e)
            {
                OnDeviceError(e.RV);
                throw Pkcs11Errors.ToException(e.RV, operation, kek.ToString(), e);
            }
        }
    }

    /// <summary>
    /// Runs an HSM call with <see cref="Pkcs11Options.CallTimeout"/>, counted from when the call starts (not while it
    /// waits for a thread): past it the caller gets HsmUnavailable at once. The call itself cannot be interrupted; when
    /// it ends late, a secret it returned is released (zeroed) unused. While a call given up on has not returned, the
    /// HSM counts as hung: every call fails at once with HsmUnavailable, holding no thread and no session, and the
    /// first answer of the hung call ends that.
    /// </summary>
    private T WithTimeout<T>(KekReference kek, string operation, Func<T> call)
    {
        if (Volatile.Read(ref _unanswered) > 0)
        {
            throw new VecVaultException(ErrorCode.HsmUnavailable, $"HSM has not answered an earlier call; {operation} with {kek} was not attempted");
        }

        var timeout = _options.CallTimeout;
        var started = 0L;
        var task = Task.Run(() =>
        {
            Volatile.Write(ref started, System.Diagnostics.Stopwatch.GetTimestamp());
            return call();
        });
        var queued = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!task.Wait(timeout / 4))
            {
                var began = Volatile.Read(ref started);
                var late = began == 0
                    ? queued.Elapsed >= 4 * timeout
                    : System.Diagnostics.Stopwatch.GetElapsedTime(began) >= timeout;
                if (late)
                {
                    break;
                }
            }

            if (task.IsCompleted)
            {
                return task.Result;
            }
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        Interlocked.Increment(ref _unanswered);
        _ = task.ContinueWith(
            late =>
            {
                Interlocked.Decrement(ref _unanswered);
                if (late.IsCompletedSuccessfully)
                {
                    (late.Result as IDisposable)?.Dispose();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
        LogTimeout(_logger, operation, kek.ToString(), timeout.TotalSeconds);
        throw new VecVaultException(ErrorCode.HsmUnavailable, $"HSM did not answer {operation} with {kek} within {timeout.TotalSeconds:0.#} s");
    }

    private IObjectHandle? FindKey(ISession session, KekReference kek)
    {
        var factory = _module.Factories.ObjectAttributeFactory;
        List<IObjectAttribute> template =
        [
            factory.Create(CKA.CKA_CLASS, kek.Model == KeyModel.RsaOaep ? CKO.CKO_PRIVATE_KEY : CKO.CKO_SECRET_KEY),
            factory.Create(CKA.CKA_LABEL, kek.KeyLabel),
        ];
        if (kek.KeyIdHex.Length > 0)
        {
            template.Add(factory.Create(CKA.CKA_ID, Convert.FromHexString(kek.KeyIdHex)));
        }

        var found = session.FindAllObjects(template);
        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw new VecVaultException(ErrorCode.FailedPrecondition,
                $"{found.Count} keys in token '{kek.TokenLabel}' match {kek}; give key_id_hex to choose one"),
        };
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "HSM call {Operation} with {Kek} failed with {ReturnValue}; attempt {Attempt}, retrying")]
    private static partial void LogRetry(ILogger logger, string operation, string kek, string returnValue, int attempt);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "HSM call {Operation} with {Kek} did not answer within {Seconds} s")]
    private static partial void LogTimeout(ILogger logger, string operation, string kek, double seconds);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Destroyed KEK {Kek} in the HSM ({Objects} objects)")]
    private static partial void LogKekDestroyed(ILogger logger, string kek, int objects);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "KEK {Kek} is not in the HSM (during {Operation})")]
    private static partial void LogKeyGone(ILogger logger, string kek, string operation);
}
