using System.CommandLine;
using Grpc.Core;
using VecVault.Protocol.V1;

namespace VecVault.Cli.Commands;

/// <summary><c>vecvault audit tail|verify</c> (admin key).</summary>
internal static class AuditCommands
{
    public static Command Create()
    {
        var from = new Option<ulong>("--from") { Description = "First sequence number", DefaultValueFactory = _ => 1 };
        var follow = new Option<bool>("--follow") { Description = "Keep printing new records" };
        var tenant = new Option<string>("--tenant") { Description = "Only this tenant's records" };
        var tail = new Command("tail", "Print audit records") { from, follow, tenant };
        tail.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            using var call = client.Admin.StreamAuditLog(new StreamAuditLogRequest
            {
                FromSequence = parse.GetValue(from),
                Follow = parse.GetValue(follow),
                TenantId = parse.GetValue(tenant) ?? "",
            }, cancellationToken: cancellationToken);
            await foreach (var record in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                var details = string.Join(' ', record.Details.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"));
                CliOptions.Print(parse, record, () => $"{record.Sequence}\t{record.Time.ToDateTimeOffset():O}\t{record.Event}\t{record.TenantId}\t{details}");
            }
        }));

        var verify = new Command("verify", "Check the audit log's hash chain; exits 3 when it is broken");
        verify.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var result = await client.Admin.VerifyAuditLogAsync(new VerifyAuditLogRequest(), cancellationToken: cancellationToken);
            CliOptions.Print(parse, result, () => result.Valid
                ? $"audit log intact: {result.Records} records"
                : $"audit log BROKEN at record {result.FirstBadSequence}: {result.Reason}");
            return result.Valid ? 0 : 3;
        }));

        return new Command("audit", "The audit log of key operations (admin key)") { tail, verify };
    }
}
