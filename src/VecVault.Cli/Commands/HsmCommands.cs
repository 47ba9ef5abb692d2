using System.CommandLine;
using VecVault.Core.Errors;
using VecVault.Crypto.Pkcs11;

namespace VecVault.Cli.Commands;

/// <summary>
/// <c>vecvault hsm key disable|enable</c>: what a customer's HSM admin does to revoke a KEK for a while and restore
/// it, for development tokens (pkcs11-tool cannot edit a key's usage attributes). Talks to the HSM directly, not
/// to the server.
/// </summary>
internal static class HsmCommands
{
    public static Command Create()
    {
        var key = new Command("key", "Keys in a PKCS#11 token") { SetEnabled("disable", false), SetEnabled("enable", true) };
        return new Command("hsm", "The HSM, as its admin sees it") { key };
    }

    private static Command SetEnabled(string name, bool enabled)
    {
        var module = new Option<string>("--module") { Description = "PKCS#11 module", DefaultValueFactory = _ => "/usr/lib/softhsm/libsofthsm2.so" };
        var token = new Option<string>("--token-label") { Description = "Token label", Required = true };
        var label = new Option<string>("--key-label") { Description = "Key label", Required = true };
        var pinFile = new Option<string>("--pin-file") { Description = "File holding the user PIN (default: env VECVAULT_HSM_PIN)" };
        var command = new Command(name, enabled
            ? "Enable a key: set its decrypt/unwrap (and encrypt/wrap) attributes to true"
            : "Disable a key: set its decrypt/unwrap (and encrypt/wrap) attributes to false")
        { module, token, label, pinFile };
        command.SetAction(parse =>
        {
            var pin = parse.GetValue(pinFile) is { Length: > 0 } file ? File.ReadAllText(file).Trim()
                : Environment.GetEnvironmentVariable("VECVAULT_HSM_PIN");
            if (string.IsNullOrEmpty(pin))
            {
                Console.Error.WriteLine("error: no PIN: pass --pin-file or set VECVAULT_HSM_PIN");
                return 2;
            }

            try
            {
                var changed = Pkcs11KeyAdmin.SetEnabled(parse.GetValue(module)!, parse.GetValue(token)!, pin, parse.GetValue(label)!, enabled);
                Console.WriteLine($"{name}d {changed} key(s) labelled '{parse.GetValue(label)}'");
                return 0;
            }
            catch (VecVaultException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
