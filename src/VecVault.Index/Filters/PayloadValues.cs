using System.Text.Json;

namespace VecVault.Index.Filters;

/// <summary>Reads the values at a dotted path of a JSON payload: a list contributes each of its elements.</summary>
public static class PayloadValues
{
    /// <summary>
    /// Calls <paramref name="visit"/> for each value at <paramref name="path"/> (split on '.') in <paramref name="payload"/>;
    /// a list on the way or at the end is walked element by element. Returns whether the path exists at all.
    /// </summary>
    public static bool Visit(JsonElement payload, string[] path, Action<JsonElement> visit) => Visit(payload, path, 0, visit);

    private static bool Visit(JsonElement node, string[] path, int depth, Action<JsonElement> visit)
    {
        if (depth == path.Length)
        {
            if (node.ValueKind == JsonValueKind.Array)
            {
                foreach (var element in node.EnumerateArray())
                {
                    visit(element);
                }
            }
            else
            {
                visit(node);
            }

            return true;
        }

        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                return node.TryGetProperty(path[depth], out var child) && Visit(child, path, depth + 1, visit);
            case JsonValueKind.Array:
                var found = false;
                foreach (var element in node.EnumerateArray())
                {
                    found |= Visit(element, path, depth, visit);
                }

                return found;
            default:
                return false;
        }
    }

    /// <summary>The raw value at <paramref name="path"/> (no list expansion at the end), for null and emptiness checks.</summary>
    public static JsonElement? At(JsonElement payload, string[] path)
    {
        var node = payload;
        foreach (var part in path)
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(part, out node))
            {
                return null;
            }
        }

        return node;
    }
}
