namespace VecVault.Core.Filters;

/// <summary>
/// A filter over payloads and ids. A point matches when every <see cref="Must"/> condition holds, at least
/// <see cref="MinShould"/> (at least one, when any are given) <see cref="Should"/> conditions hold, and no
/// <see cref="MustNot"/> condition holds.
/// </summary>
/// <param name="Must">Conditions that must all hold.</param>
/// <param name="Should">Conditions of which some must hold.</param>
/// <param name="MustNot">Conditions none of which may hold.</param>
/// <param name="MinShould">How many <see cref="Should"/> conditions must hold; 0 means one when any are given.</param>
public sealed record Filter(IReadOnlyList<Condition> Must, IReadOnlyList<Condition> Should, IReadOnlyList<Condition> MustNot, int MinShould = 0)
{
    /// <summary>Deepest nesting of filters accepted.</summary>
    public const int MaxDepth = 8;

    /// <summary>Most conditions accepted in one filter, nested ones included.</summary>
    public const int MaxConditions = 256;

    /// <summary>How many should conditions must hold.</summary>
    public int ShouldRequired => Should.Count == 0 ? 0 : Math.Max(1, MinShould);
}
