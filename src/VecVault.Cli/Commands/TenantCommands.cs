using System.CommandLine;
using VecVault.Protocol.V1;

namespace VecVault.Cli.Commands;

/// <summary><c>vecvault tenant create|list|rotate-key|rotate-data-keys|seal|compact|shred</c>.</summary>
internal static class TenantCommands
{
    public static Command Create()
    {
        var id = new Option<string>("--id") { Description = "Tenant id", Required = true };
        var kek = new KekOptions();
        var policy = new Option<string>("--outage-policy") { Description = "serve-warm (default) or fail-closed", DefaultValueFactory = _ => "serve-warm" };
        policy.AcceptOnlyFromAmong("serve-warm", "fail-closed");
        var create = new Command("create", "Create a tenant bound to its KEK in the HSM") { id, policy };
        kek.AddTo(create);
        create.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.CreateTenantAsync(new CreateTenantRequest
            {
                Id = parse.GetValue(id),
                Kek = kek.Read(parse),
                OutagePolicy = parse.GetValue(policy) == "fail-closed" ? OutagePolicy.FailClosed : OutagePolicy.ServeWarm,
            }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => $"created tenant {response.Tenant.Id} bound to {response.Tenant.Kek.TokenLabel}/{response.Tenant.Kek.KeyLabel}");
        }));

        var list = new Command("list", "List tenants");
        list.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.ListTenantsAsync(new ListTenantsRequest(), cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => string.Join('\n', response.Tenants.Select(tenant =>
                $"{tenant.Id}\t{tenant.State}\t{tenant.Kek.Model}\t{tenant.Kek.TokenLabel}/{tenant.Kek.KeyLabel}\tkek_version={tenant.KekVersion}\tcollections={tenant.CollectionCount}")));
        }));

        return new Command("tenant", "Tenants (admin key)") { create, list, RotateKey(), RotateDataKeys(), Seal(), Compact(), Shred() };
    }

    private static Command RotateKey()
    {
        var id = new Option<string>("--id") { Description = "Tenant id", Required = true };
        var kek = new KekOptions();
        var rotate = new Command("rotate-key", "Rewrap every DEK of the tenant under a new KEK (no page is re-encrypted); the old KEK may be destroyed afterwards") { id };
        kek.AddTo(rotate);
        rotate.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.RotateTenantKeyAsync(new RotateTenantKeyRequest { TenantId = parse.GetValue(id), NewKek = kek.Read(parse) }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => $"tenant {parse.GetValue(id)} now uses KEK version {response.KekVersion}: {response.RewrappedDeks} DEKs rewrapped");
        }));
        return rotate;
    }

    private static Command RotateDataKeys()
    {
        var id = new Option<string>("--id") { Description = "Tenant id", Required = true };
        var collection = new Option<string>("--collection") { Description = "Only this collection (default: all)", DefaultValueFactory = _ => "" };
        var rotate = new Command("rotate-data-keys", "Re-encrypt the tenant's data under fresh DEKs and delete the old log") { id, collection };
        rotate.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.RotateDataKeysAsync(new RotateDataKeysRequest { TenantId = parse.GetValue(id), Collection = parse.GetValue(collection) ?? "" }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => $"tenant {parse.GetValue(id)}: {response.RotatedSegments} segments re-encrypted under fresh DEKs");
        }));
        return rotate;
    }

    private static Command Seal()
    {
        var id = new Option<string>("--id") { Description = "Tenant id", Required = true };
        var collection = new Option<string>("--collection") { Description = "The collection whose active segment to seal", Required = true };
        var seal = new Command("seal", "Seal a collection's active segment now, under a fresh DEK") { id, collection };
        seal.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.SealCollectionAsync(new SealCollectionRequest { TenantId = parse.GetValue(id), Collection = parse.GetValue(collection) }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => response.SegmentId == 0 ? "nothing to seal: the active segment is empty" : $"sealed segment {response.SegmentId}");
        }));
        return seal;
    }

    private static Command Compact()
    {
        var id = new Option<string>("--id") { Description = "Tenant id", Required = true };
        var compact = new Command("compact", "Compact a tenant now: rewrite segments with many deleted points, drop dead records from its log") { id };
        compact.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.CompactTenantAsync(new CompactTenantRequest { TenantId = parse.GetValue(id) }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => response.Rewritten ? $"tenant {parse.GetValue(id)}: log rewritten, {response.CompactedSegments} segments compacted" : $"tenant {parse.GetValue(id)}: nothing worth compacting");
        }));
        return compact;
    }

    private static Command Shred()
    {
        var id = new Option<string>("--id") { Description = "Tenant id", Required = true };
        var confirm = new Option<string>("--confirm") { Description = "The tenant id again, to confirm", Required = true };
        var destroy = new Option<bool>("--destroy-kek") { Description = "Also destroy the KEK in the HSM (otherwise the customer destroys it with its own tool)" };
        var shred = new Command("shred", "Crypto-shred a tenant: zero its keys and pages, remove its files (and destroy its KEK)") { id, confirm, destroy };
        shred.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Admin.ShredTenantAsync(new ShredTenantRequest
            {
                TenantId = parse.GetValue(id),
                ConfirmTenantId = parse.GetValue(confirm),
                DestroyKek = parse.GetValue(destroy),
            }, cancellationToken: cancellationToken);
            var kek = response.KekDestroyed ? $"KEK destroyed ({response.KekObjectsDestroyed} HSM objects)"
                : parse.GetValue(destroy) ? "KEK was not in the HSM any more" : "KEK left for the customer to destroy";
            CliOptions.Print(parse, response, () => $"shredded tenant {parse.GetValue(id)}: {response.DeletedBytes} bytes of files removed, {kek}");
        }));
        return shred;
    }

    /// <summary>The options that name a KEK.</summary>
    private sealed class KekOptions
    {
        private readonly Option<string> _token = new("--token-label") { Description = "Label of the HSM token holding the KEK", Required = true };
        private readonly Option<string> _key = new("--key-label") { Description = "Label of the KEK in the token (the private key for rsa)", Required = true };
        private readonly Option<string> _model = new("--model") { Description = "aes (AES-256 KEK, HSM AES-GCM) or rsa (RSA key pair, local wrap, HSM unwrap)", DefaultValueFactory = _ => "aes" };
        private readonly Option<string> _oaep = new("--oaep-hash") { Description = "RSA-OAEP hash for --model rsa: sha256 (default) or sha1 (SoftHSM2)", DefaultValueFactory = _ => "" };

        public KekOptions() => _model.AcceptOnlyFromAmong("aes", "rsa");

        public void AddTo(Command command)
        {
            command.Options.Add(_token);
            command.Options.Add(_key);
            command.Options.Add(_model);
            command.Options.Add(_oaep);
        }

        public KekReference Read(ParseResult parse) => new()
        {
            Model = parse.GetValue(_model) == "rsa" ? KeyModel.RsaOaep : KeyModel.AesGcm,
            TokenLabel = parse.GetValue(_token),
            KeyLabel = parse.GetValue(_key),
            OaepHash = parse.GetValue(_oaep) ?? "",
        };
    }
}
