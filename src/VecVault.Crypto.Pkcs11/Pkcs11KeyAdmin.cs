using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using VecVault.Core.Errors;

namespace VecVault.Crypto.Pkcs11;

/// <summary>
/// What a customer's HSM admin does to a KEK that <c>pkcs11-tool</c> cannot: disable it (CKA_ENCRYPT, CKA_DECRYPT,
/// CKA_WRAP, CKA_UNWRAP false) and enable it again. For development tokens and tests; a production HSM has its own
/// admin tools. Runs in its own read-write, logged-in session.
/// </summary>
public static class Pkcs11KeyAdmin
{
    /// <summary>Sets the usage attributes of every key labelled <paramref name="keyLabel"/> in the token; returns how many keys changed.</summary>
    public static int SetEnabled(string modulePath, string tokenLabel, string pin, string keyLabel, bool enabled)
    {
        var module = Pkcs11Module.Get(modulePath);
        return module.Call(() => SetEnabled(module, tokenLabel, pin, keyLabel, enabled));
    }

    private static int SetEnabled(Pkcs11Module module, string tokenLabel, string pin, string keyLabel, bool enabled)
    {
        var slot = module.FindSlot(tokenLabel)
            ?? throw new VecVaultException(ErrorCode.NotFound, $"token '{tokenLabel}' not found");
        using var session = slot.OpenSession(SessionType.ReadWrite);
        try
        {
            session.Login(CKU.CKU_USER, pin);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // Logged in by another session of this process.
        }

        var factory = module.Factories.ObjectAttributeFactory;
        var keys = session.FindAllObjects([factory.Create(CKA.CKA_LABEL, keyLabel)])
            .Where(key => session.GetAttributeValue(key, [CKA.CKA_CLASS])[0].GetValueAsUlong() is (ulong)CKO.CKO_SECRET_KEY or (ulong)CKO.CKO_PRIVATE_KEY)
            .ToList();
        if (keys.Count == 0)
        {
            throw new VecVaultException(ErrorCode.NotFound, $"no secret or private key labelled '{keyLabel}' in token '{tokenLabel}'");
        }

        foreach (var key in keys)
        {
            var isSecret = session.GetAttributeValue(key, [CKA.CKA_CLASS])[0].GetValueAsUlong() == (ulong)CKO.CKO_SECRET_KEY;
            List<IObjectAttribute> usage = [factory.Create(CKA.CKA_DECRYPT, enabled), factory.Create(CKA.CKA_UNWRAP, enabled)];
            if (isSecret)
            {
                usage.Add(factory.Create(CKA.CKA_ENCRYPT, enabled));
                usage.Add(factory.Create(CKA.CKA_WRAP, enabled));
            }

            session.SetAttributeValue(key, usage);
        }

        return keys.Count;
    }
}
