using VecVault.Core.Errors;
using VecVault.Core.Ids;
using Proto = VecVault.Protocol.V1;

namespace VecVault.Server.Mapping;

/// <summary>Point ids between the wire and the engine.</summary>
public static class PointIdMapping
{
    /// <summary>Reads a wire id; a missing id or a malformed UUID is InvalidArgument naming <paramref name="field"/>.</summary>
    public static PointId ToCore(Proto.PointId? id, string field) => id?.KindCase switch
    {
        Proto.PointId.KindOneofCase.Num => PointId.FromNumber(id.Num),
        Proto.PointId.KindOneofCase.Uuid when Guid.TryParseExact(id.Uuid, "D", out var uuid) => PointId.FromUuid(uuid),
        Proto.PointId.KindOneofCase.Uuid => throw VecVaultException.Invalid(field, "must be a UUID in canonical form (8-4-4-4-12 hex digits)"),
        _ => throw VecVaultException.Invalid(field, "must be set (num or uuid)"),
    };

    /// <summary>Writes an id for the wire.</summary>
    public static Proto.PointId ToProto(PointId id) =>
        id.IsUuid ? new Proto.PointId { Uuid = id.Uuid.ToString("D") } : new Proto.PointId { Num = id.Number };
}
