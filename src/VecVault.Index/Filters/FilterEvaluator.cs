using System.Text.Json;
using VecVault.Core.Filters;
using VecVault.Core.Ids;

namespace VecVault.Index.Filters;

/// <summary>
/// Evaluates a <see cref="Filter"/> over every slot of a collection into a <see cref="SlotSet"/>. Conditions an index
/// answers (<see cref="PayloadIndexSet"/>) read no payload; the others read each live slot's payload once per
/// evaluation (parsed lazily and kept for the other conditions). The result holds live slots only.
/// </summary>
public sealed class FilterEvaluator
{
    private readonly int _slots;
    private readonly SlotSet _live;
    private readonly Func<int, ReadOnlyMemory<byte>> _payload;
    private readonly Func<PointId, int> _slotOf;
    private readonly PayloadIndexSet _indexes;
    private readonly Dictionary<string, string[]> _paths = new(StringComparer.Ordinal);
    private JsonDocument?[]? _parsed;

    /// <summary>An evaluator over <paramref name="live"/> slots of <paramref name="slots"/>.</summary>
    /// <param name="slots">Slots in the collection.</param>
    /// <param name="live">The slots holding current points.</param>
    /// <param name="payload">A slot's payload as UTF-8 JSON (empty when none).</param>
    /// <param name="slotOf">A point id's current slot, or -1.</param>
    /// <param name="indexes">The collection's payload indexes.</param>
    public FilterEvaluator(int slots, SlotSet live, Func<int, ReadOnlyMemory<byte>> payload, Func<PointId, int> slotOf, PayloadIndexSet indexes)
    {
        _slots = slots;
        _live = live;
        _payload = payload;
        _slotOf = slotOf;
        _indexes = indexes;
    }

    /// <summary>The live slots <paramref name="filter"/> holds for.</summary>
    public SlotSet Evaluate(Filter filter)
    {
        try
        {
            return Filter(filter).IntersectWith(_live);
        }
        finally
        {
            foreach (var document in _parsed ?? [])
            {
                document?.Dispose();
            }

            _parsed = null;
        }
    }

    private SlotSet Filter(Filter filter)
    {
        var result = SlotSet.All(_slots);
        foreach (var condition in filter.Must)
        {
            result.IntersectWith(Condition(condition));
        }

        if (filter.ShouldRequired == 1)
        {
            var any = new SlotSet(_slots);
            foreach (var condition in filter.Should)
            {
                any.UnionWith(Condition(condition));
            }

            result.IntersectWith(any);
        }
        else if (filter.ShouldRequired > 1)
        {
            result.IntersectWith(AtLeast(filter.ShouldRequired, [.. filter.Should.Select(Condition)]));
        }

        foreach (var condition in filter.MustNot)
        {
            result.ExceptWith(Condition(condition));
        }

        return result;
    }

    private SlotSet AtLeast(int required, List<SlotSet> sets)
    {
        var result = new SlotSet(_slots);
        foreach (var slot in _live.Enumerate())
        {
            if (sets.Count(set => set.Contains(slot)) >= required)
            {
                result.Add(slot);
            }
        }

        return result;
    }

    private SlotSet Condition(Condition condition)
    {
        switch (condition)
        {
            case NestedCondition nested:
                return Filter(nested.Filter);
            case HasIdCondition hasId:
                var ids = new SlotSet(_slots);
                foreach (var id in hasId.Ids)
                {
                    if (_slotOf(id) is >= 0 and var slot && slot < _slots)
                    {
                        ids.Add(slot);
                    }
                }

                return ids;
            default:
                return _indexes.TryEvaluate(condition, _slots, out var indexed) ? indexed : Scan(condition);
        }
    }

    /// <summary>Reads every live slot's payload and tests <paramref name="condition"/> on it.</summary>
    private SlotSet Scan(Condition condition)
    {
        var result = new SlotSet(_slots);
        foreach (var slot in _live.Enumerate())
        {
            // A point without a payload holds only is_empty.
            if (Payload(slot) is { } payload ? Holds(condition, payload.RootElement) : condition is IsEmptyCondition)
            {
                result.Add(slot);
            }
        }

        return result;
    }

    private bool Holds(Condition condition, JsonElement payload)
    {
        switch (condition)
        {
            case MatchCondition match:
                var matched = false;
                PayloadValues.Visit(payload, Path(match.Key), value => matched |= Matches(match.Value, value));
                return matched;
            case RangeCondition range:
                var inRange = false;
                PayloadValues.Visit(payload, Path(range.Key), value => inRange |= value.ValueKind == JsonValueKind.Number && range.Contains(value.GetDouble()));
                return inRange;
            case IsNullCondition isNull:
                return PayloadValues.At(payload, Path(isNull.Key)) is { ValueKind: JsonValueKind.Null };
            case IsEmptyCondition isEmpty:
                return PayloadValues.At(payload, Path(isEmpty.Key)) is not { } value
                    || value.ValueKind == JsonValueKind.Null
                    || (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0);
            default:
                throw new ArgumentException($"unknown condition {condition.GetType().Name}", nameof(condition));
        }
    }

    private static bool Matches(MatchValue match, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => match.Matches(value.GetString()!),
        JsonValueKind.Number => value.TryGetInt64(out var integer) && match.Matches(integer),
        JsonValueKind.True or JsonValueKind.False => match.Matches(value.GetBoolean()),
        _ => false,
    };

    private JsonDocument? Payload(int slot)
    {
        _parsed ??= new JsonDocument?[_slots];
        if (_parsed[slot] is null)
        {
            var bytes = _payload(slot);
            if (bytes.IsEmpty)
            {
                return null;
            }

            _parsed[slot] = JsonDocument.Parse(bytes);
        }

        return _parsed[slot];
    }

    private string[] Path(string key)
    {
        if (!_paths.TryGetValue(key, out var path))
        {
            _paths[key] = path = key.Split('.');
        }

        return path;
    }
}
