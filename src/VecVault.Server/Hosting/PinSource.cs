using VecVault.Core.Errors;
using VecVault.Server.Options;

namespace VecVault.Server.Hosting;

/// <summary>Reads the HSM user PIN from an environment variable or a file, when a token is first logged in to.</summary>
public static class PinSource
{
    /// <summary>A PIN provider for the HSM adapter.</summary>
    public static Func<string, string> Create(VecVaultOptions.HsmOptions hsm) => tokenLabel =>
    {
        var fromEnvironment = hsm.PinEnvironmentVariable.Length > 0 ? Environment.GetEnvironmentVariable(hsm.PinEnvironmentVariable) : null;
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        if (hsm.PinFile.Length > 0 && File.Exists(hsm.PinFile))
        {
            return File.ReadAllText(hsm.PinFile).Trim();
        }

        throw new VecVaultException(ErrorCode.FailedPrecondition,
            $"no PIN for HSM token '{tokenLabel}': set {hsm.PinEnvironmentVariable} or VecVault:Hsm:PinFile");
    };
}
