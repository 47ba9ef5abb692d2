using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Collections;
using VecVault.Core.Errors;
using Proto = VecVault.Protocol.V1;

namespace VecVault.Server.Mapping;

/// <summary>Payloads between the wire's value map and the engine's JSON objects.</summary>
public static class PayloadMapping
{
    /// <summary>Converts a wire payload; null when empty. Throws InvalidArgument for nesting deeper than <paramref name="maxDepth"/>.</summary>
    public static JsonObject? ToCore(MapField<string, Proto.Value> payload, int maxDepth, string field)
    {
        if (payload.Count == 0)
        {
            return null;
        }

        var result = new JsonObject();
        foreach (var (key, value) in payload)
        {
            result[key] = ToNode(value, maxDepth - 1, field);
        }

        return result;
    }

    /// <summary>Writes a payload into a wire map.</summary>
    public static void ToProto(JsonObject? payload, MapField<string, Proto.Value> destination)
    {
        if (payload is null)
        {
            return;
        }

        foreach (var (key, node) in payload)
        {
            destination[key] = ToValue(node);
        }
    }

    private static JsonNode? ToNode(Proto.Value value, int depth, string field)
    {
        if (depth < 0)
        {
            throw VecVaultException.Invalid(field, "is nested too deeply");
        }

        switch (value.KindCase)
        {
            case Proto.Value.KindOneofCase.BoolValue:
                return JsonValue.Create(value.BoolValue);
            case Proto.Value.KindOneofCase.IntegerValue:
                return JsonValue.Create(value.IntegerValue);
            case Proto.Value.KindOneofCase.DoubleValue when double.IsFinite(value.DoubleValue):
                return JsonValue.Create(value.DoubleValue);
            case Proto.Value.KindOneofCase.DoubleValue:
                throw VecVaultException.Invalid(field, "numbers must be finite");
            case Proto.Value.KindOneofCase.StringValue:
                return JsonValue.Create(value.StringValue);
            case Proto.Value.KindOneofCase.ListValue:
                var array = new JsonArray();
                foreach (var item in value.ListValue.Values)
                {
                    array.Add(ToNode(item, depth - 1, field));
                }

                return array;
            case Proto.Value.KindOneofCase.StructValue:
                var obj = new JsonObject();
                foreach (var (key, item) in value.StructValue.Fields)
                {
                    obj[key] = ToNode(item, depth - 1, field);
                }

                return obj;
            default:
                return null;
        }
    }

    private static Proto.Value ToValue(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return new Proto.Value { NullValue = Proto.NullValue.NullValue };
            case JsonObject obj:
                var structValue = new Proto.Struct();
                foreach (var (key, item) in obj)
                {
                    structValue.Fields[key] = ToValue(item);
                }

                return new Proto.Value { StructValue = structValue };
            case JsonArray array:
                var list = new Proto.ListValue();
                list.Values.AddRange(array.Select(ToValue));
                return new Proto.Value { ListValue = list };
            default:
                var value = node.AsValue();
                return value.GetValueKind() switch
                {
                    JsonValueKind.True => new Proto.Value { BoolValue = true },
                    JsonValueKind.False => new Proto.Value { BoolValue = false },
                    JsonValueKind.String => new Proto.Value { StringValue = value.GetValue<string>() },
                    JsonValueKind.Number when value.TryGetValue<long>(out var integer) => new Proto.Value { IntegerValue = integer },
                    JsonValueKind.Number => new Proto.Value { DoubleValue = value.GetValue<double>() },
                    _ => new Proto.Value { NullValue = Proto.NullValue.NullValue },
                };
        }
    }
}
