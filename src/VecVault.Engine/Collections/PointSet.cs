using VecVault.Core.Ids;

namespace VecVault.Engine.Collections;

/// <summary>
/// The points of one segment by slot: their ids, which slots are live, the slot of each live id, and the ids deleted
/// while the segment was active (its tombstones, which hide older versions in earlier segments). A sealed segment
/// keeps its point set in memory even while its content is evicted, so writes and lookups never need a load.
/// The collection's state lock guards it.
/// </summary>
internal sealed class PointSet
{
    private readonly List<PointId> _ids = [];
    private readonly List<bool> _live = [];
    private readonly Dictionary<PointId, int> _slotById = [];

    /// <summary>Slots written, live or not.</summary>
    public int Slots => _ids.Count;

    /// <summary>Live points.</summary>
    public int LiveCount => _slotById.Count;

    /// <summary>Ids deleted while the segment was active.</summary>
    public HashSet<PointId> Tombstones { get; } = [];

    /// <summary>Every live point and its slot.</summary>
    public IEnumerable<KeyValuePair<PointId, int>> Live => _slotById;

    /// <summary>Every id the segment holds a version of, live or not.</summary>
    public IReadOnlyList<PointId> Ids => _ids;

    public PointId IdAt(int slot) => _ids[slot];

    public bool IsLive(int slot) => _live[slot];

    public bool TryGetSlot(PointId id, out int slot) => _slotById.TryGetValue(id, out slot);

    /// <summary>Appends a slot for <paramref name="id"/>; a live slot replaces the id's earlier live slot here.</summary>
    public int Add(PointId id, bool live)
    {
        var slot = _ids.Count;
        _ids.Add(id);
        _live.Add(live);
        if (live)
        {
            Kill(id);
            _slotById[id] = slot;
        }

        return slot;
    }

    /// <summary>Marks the live slot of <paramref name="id"/> dead; returns it, or -1 when the id is not live here.</summary>
    public int Kill(PointId id)
    {
        if (!_slotById.Remove(id, out var slot))
        {
            return -1;
        }

        _live[slot] = false;
        return slot;
    }

    public void Clear()
    {
        _ids.Clear();
        _live.Clear();
        _slotById.Clear();
        Tombstones.Clear();
    }
}
