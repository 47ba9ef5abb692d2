namespace VecVault.Core.Keys;

/// <summary>How a tenant's DEKs are wrapped by its KEK.</summary>
public enum KeyModel
{
    /// <summary>Symmetric (key import): an AES-256 KEK in the HSM; wrap and unwrap are HSM AES-GCM calls.</summary>
    AesGcm = 1,

    /// <summary>Asymmetric (key wrapping): an RSA KEK pair in the HSM; wrap is local RSA-OAEP, unwrap is an HSM call.</summary>
    RsaOaep = 2,

    /// <summary>No BYOK, for measuring BYOK's cost in benchmarks only; must be enabled explicitly.</summary>
    None = 3,
}
