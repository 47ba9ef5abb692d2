namespace VecVault.TestSupport;

/// <summary>A SoftHSM2 token, administered the way a customer's admin would: with pkcs11-tool.</summary>
/// <param name="Label">The token's label.</param>
/// <param name="Pin">The user PIN.</param>
public sealed record SoftHsmToken(string Label, string Pin)
{
    /// <summary>Creates an AES-256 key with pkcs11-tool, as a customer's admin provisions a KEK.</summary>
    public void CreateAesKey(string keyLabel, string idHex = "01") =>
        Pkcs11Tool(["--keygen", "--key-type", "AES:32", "--label", keyLabel, "--id", idHex, "--sensitive",
            "--usage-decrypt", "--usage-wrap"]);

    /// <summary>Creates an RSA key pair with pkcs11-tool (private key may decrypt; public key may encrypt).</summary>
    public void CreateRsaKeyPair(string keyLabel, string idHex = "02", int bits = 3072) =>
        Pkcs11Tool(["--keypairgen", "--key-type", $"rsa:{bits}", "--label", keyLabel, "--id", idHex, "--usage-decrypt"]);

    /// <summary>Deletes the private key of a pair with pkcs11-tool.</summary>
    public void DeletePrivateKey(string keyLabel) =>
        Pkcs11Tool(["--delete-object", "--type", "privkey", "--label", keyLabel]);

    /// <summary>Deletes a secret key with pkcs11-tool, as a customer's admin revokes or shreds.</summary>
    public void DeleteSecretKey(string keyLabel) =>
        Pkcs11Tool(["--delete-object", "--type", "secrkey", "--label", keyLabel]);

    /// <summary>Lists the token's objects.</summary>
    public string ListObjects() => Pkcs11Tool(["--list-objects"]);

    private string Pkcs11Tool(IEnumerable<string> arguments) =>
        ExternalTool.Run("/usr/bin/pkcs11-tool",
            ["--module", SoftHsm.ModulePath, "--token-label", Label, "--login", "--pin", Pin, .. arguments],
            SoftHsm.Environment);
}
