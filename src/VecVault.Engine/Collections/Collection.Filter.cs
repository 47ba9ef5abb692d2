using System.Text.Json;
using VecVault.Core.Filters;
using VecVault.Core.Points;
using VecVault.Index.Filters;

namespace VecVault.Engine.Collections;

// Filters: evaluated under the shared lock into the set of matching live slots, then searched exactly or through
// the graph depending on how many match.
internal sealed partial class Collection
{
    private enum SearchPlan
    {
        Exact,
        Graph,
    }

    /// <summary>
    /// Chooses how to search: exact when asked; with a filter, exact over the matching points when they are few
    /// (<see cref="EngineOptions.ExactFilterPoints"/>, or <see cref="EngineOptions.ExactFilterShare"/> of the live points) and a filtered graph
    /// traversal otherwise; the graph without one. Returns the plan and the slots it may return. Caller holds the shared lock.
    /// </summary>
    private (SearchPlan Plan, Func<int, bool> Accept) Plan(SearchQuery query)
    {
        if (query.Filter is null)
        {
            return (query.Exact ? SearchPlan.Exact : SearchPlan.Graph, _isLive);
        }

        var matching = Evaluate(query.Filter);
        var count = matching.Count();
        var selective = count <= EngineOptions.ExactFilterPoints || count <= _slotById.Count * EngineOptions.ExactFilterShare;
        return (query.Exact || selective ? SearchPlan.Exact : SearchPlan.Graph, matching.Contains);
    }

    /// <summary>The live slots <paramref name="filter"/> holds for. Caller holds the shared lock.</summary>
    private SlotSet Evaluate(Filter filter)
    {
        var live = new SlotSet(_live.Count);
        foreach (var slot in _slotById.Values)
        {
            live.Add(slot);
        }

        return new FilterEvaluator(_live.Count, live, slot => _payloads[slot], id => _slotById.TryGetValue(id, out var slot) ? slot : -1, _payloadIndexes)
            .Evaluate(filter);
    }

    /// <summary>Adds a new slot's payload to the declared payload indexes. Caller holds the exclusive lock.</summary>
    private void IndexPayload(int slot, byte[]? payload)
    {
        if (payload is null || _payloadIndexes.Count == 0)
        {
            return;
        }

        using var document = JsonDocument.Parse(payload);
        _payloadIndexes.Add(slot, document.RootElement);
    }
}
