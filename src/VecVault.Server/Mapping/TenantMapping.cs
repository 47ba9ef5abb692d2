using Google.Protobuf.WellKnownTypes;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Core.Tenants;
using Proto = VecVault.Protocol.V1;

namespace VecVault.Server.Mapping;

/// <summary>Tenants and KEK references between the wire and the engine.</summary>
public static class TenantMapping
{
    /// <summary>Default grace period for warm serving during an HSM outage.</summary>
    public static readonly TimeSpan DefaultOutageGrace = TimeSpan.FromMinutes(5);

    /// <summary>Reads a KEK reference.</summary>
    public static KekReference ToCore(Proto.KekReference? kek, string field = "kek")
    {
        if (kek is null)
        {
            throw VecVaultException.Invalid(field, "must be set");
        }

        var model = kek.Model switch
        {
            Proto.KeyModel.AesGcm => KeyModel.AesGcm,
            Proto.KeyModel.RsaOaep => KeyModel.RsaOaep,
            Proto.KeyModel.None => KeyModel.None,
            _ => throw VecVaultException.Invalid($"{field}.model", "must be KEY_MODEL_AES_GCM, KEY_MODEL_RSA_OAEP or KEY_MODEL_NONE"),
        };
        var oaep = model == KeyModel.RsaOaep && kek.OaepHash.Length == 0 ? "sha256" : kek.OaepHash.ToLowerInvariant();
        return new KekReference(model, kek.TokenLabel, kek.KeyLabel, kek.KeyIdHex.ToLowerInvariant(), oaep).Validate(field);
    }

    /// <summary>Reads an outage policy; unspecified means serve-warm.</summary>
    public static OutagePolicy ToCore(Proto.OutagePolicy policy) => policy switch
    {
        Proto.OutagePolicy.Unspecified or Proto.OutagePolicy.ServeWarm => OutagePolicy.ServeWarm,
        Proto.OutagePolicy.FailClosed => OutagePolicy.FailClosed,
        _ => throw VecVaultException.Invalid("outage_policy", "must be OUTAGE_POLICY_SERVE_WARM or OUTAGE_POLICY_FAIL_CLOSED"),
    };

    /// <summary>Writes a tenant.</summary>
    public static Proto.Tenant ToProto(TenantInfo tenant) => new()
    {
        Id = tenant.Id.Value,
        Kek = new Proto.KekReference
        {
            Model = tenant.Kek.Model switch
            {
                KeyModel.AesGcm => Proto.KeyModel.AesGcm,
                KeyModel.RsaOaep => Proto.KeyModel.RsaOaep,
                _ => Proto.KeyModel.None,
            },
            TokenLabel = tenant.Kek.TokenLabel,
            KeyLabel = tenant.Kek.KeyLabel,
            KeyIdHex = tenant.Kek.KeyIdHex,
            OaepHash = tenant.Kek.OaepHash,
        },
        KekVersion = tenant.KekVersion,
        State = tenant.State switch
        {
            TenantState.Active => Proto.TenantState.Active,
            TenantState.KeyRevoked => Proto.TenantState.KeyRevoked,
            _ => Proto.TenantState.HsmUnavailable,
        },
        OutagePolicy = tenant.OutagePolicy == OutagePolicy.FailClosed ? Proto.OutagePolicy.FailClosed : Proto.OutagePolicy.ServeWarm,
        OutageGrace = Duration.FromTimeSpan(tenant.OutageGrace),
        CreatedAt = Timestamp.FromDateTimeOffset(tenant.CreatedAt),
        CollectionCount = (uint)tenant.CollectionCount,
    };
}
