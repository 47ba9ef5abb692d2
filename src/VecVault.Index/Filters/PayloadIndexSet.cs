using System.Text.Json;
using VecVault.Core.Collections;
using VecVault.Core.Filters;

namespace VecVault.Index.Filters;

/// <summary>
/// The payload indexes a collection declares: per field, value → slots. Maintained on insert by the collection's
/// single writer (slots only grow: a replaced or deleted point keeps its stale entries, and the caller intersects
/// with the live slots). Answers match and range conditions on indexed fields without reading any payload.
/// </summary>
public sealed class PayloadIndexSet
{
    private readonly Dictionary<string, FieldIndex> _fields = new(StringComparer.Ordinal);

    /// <summary>Creates the indexes <paramref name="specs"/> declare.</summary>
    public PayloadIndexSet(IEnumerable<PayloadIndexSpec> specs)
    {
        foreach (var spec in specs)
        {
            _fields[spec.Field] = new FieldIndex(spec);
        }
    }

    /// <summary>Number of indexed fields.</summary>
    public int Count => _fields.Count;

    /// <summary>Indexes the declared fields of the payload stored in <paramref name="slot"/>.</summary>
    public void Add(int slot, JsonElement payload)
    {
        foreach (var field in _fields.Values)
        {
            field.Add(slot, payload);
        }
    }

    /// <summary>Drops every entry (the collection is unloaded).</summary>
    public void Clear()
    {
        foreach (var field in _fields.Values)
        {
            field.Clear();
        }
    }

    /// <summary>The slots <paramref name="condition"/> holds for, from an index; false when no index can answer it.</summary>
    public bool TryEvaluate(Condition condition, int slots, out SlotSet result)
    {
        result = null!;
        var (key, answer) = condition switch
        {
            MatchCondition match => (match.Key, (Func<FieldIndex, SlotSet?>)(index => index.Match(match.Value, slots))),
            RangeCondition range => (range.Key, index => index.Range(range, slots)),
            _ => (null, null),
        };
        if (key is null || !_fields.TryGetValue(key, out var field) || answer!(field) is not { } set)
        {
            return false;
        }

        result = set;
        return true;
    }

    /// <summary>One field's index: its values (of the declared type) and the slots holding each.</summary>
    private sealed class FieldIndex(PayloadIndexSpec spec)
    {
        private readonly string[] _path = spec.Field.Split('.');
        private readonly Dictionary<string, List<int>> _keywords = new(StringComparer.Ordinal);
        private readonly Dictionary<double, List<int>> _numbers = [];
        private readonly Dictionary<bool, List<int>> _bools = [];

        public void Add(int slot, JsonElement payload) => PayloadValues.Visit(payload, _path, value =>
        {
            switch (spec.Type)
            {
                case PayloadFieldType.Keyword when value.ValueKind == JsonValueKind.String:
                    Append(_keywords, value.GetString()!, slot);
                    break;
                case PayloadFieldType.Integer when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var integer):
                    Append(_numbers, integer, slot);
                    break;
                case PayloadFieldType.Float when value.ValueKind == JsonValueKind.Number:
                    Append(_numbers, value.GetDouble(), slot);
                    break;
                case PayloadFieldType.Bool when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    Append(_bools, value.GetBoolean(), slot);
                    break;
            }
        });

        public void Clear()
        {
            _keywords.Clear();
            _numbers.Clear();
            _bools.Clear();
        }

        public SlotSet? Match(MatchValue value, int slots) => (spec.Type, value.Kind) switch
        {
            (PayloadFieldType.Keyword, MatchKind.Keyword or MatchKind.AnyKeyword or MatchKind.ExceptKeyword) =>
                Collect(_keywords, value.Matches, slots),
            (PayloadFieldType.Integer, MatchKind.Integer or MatchKind.AnyInteger or MatchKind.ExceptInteger) =>
                Collect(_numbers, number => value.Matches((long)number), slots),
            (PayloadFieldType.Bool, MatchKind.Boolean) => Collect(_bools, value.Matches, slots),
            _ => null,
        };

        public SlotSet? Range(RangeCondition range, int slots) =>
            spec.Type is PayloadFieldType.Integer or PayloadFieldType.Float ? Collect(_numbers, range.Contains, slots) : null;

        private static SlotSet Collect<TKey>(Dictionary<TKey, List<int>> index, Func<TKey, bool> holds, int slots)
            where TKey : notnull
        {
            var set = new SlotSet(slots);
            foreach (var (key, keySlots) in index)
            {
                if (holds(key))
                {
                    foreach (var slot in keySlots)
                    {
                        if (slot < slots)
                        {
                            set.Add(slot);
                        }
                    }
                }
            }

            return set;
        }

        private static void Append<TKey>(Dictionary<TKey, List<int>> index, TKey key, int slot)
            where TKey : notnull
        {
            if (!index.TryGetValue(key, out var slots))
            {
                index[key] = slots = [];
            }

            if (slots.Count == 0 || slots[^1] != slot)
            {
                slots.Add(slot);
            }
        }
    }
}
