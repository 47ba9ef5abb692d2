namespace VecVault.Core.Filters;

/// <summary>What a <see cref="MatchCondition"/> compares a payload value with.</summary>
/// <param name="Kind">The kind of match.</param>
/// <param name="Keyword">The keyword, for <see cref="MatchKind.Keyword"/>.</param>
/// <param name="Integer">The integer, for <see cref="MatchKind.Integer"/>.</param>
/// <param name="Boolean">The bool, for <see cref="MatchKind.Boolean"/>.</param>
/// <param name="Keywords">The keywords, for <see cref="MatchKind.AnyKeyword"/> and <see cref="MatchKind.ExceptKeyword"/>.</param>
/// <param name="Integers">The integers, for <see cref="MatchKind.AnyInteger"/> and <see cref="MatchKind.ExceptInteger"/>.</param>
public sealed record MatchValue(MatchKind Kind, string? Keyword = null, long Integer = 0, bool Boolean = false, IReadOnlySet<string>? Keywords = null, IReadOnlySet<long>? Integers = null)
{
    /// <summary>True when a keyword payload value matches.</summary>
    public bool Matches(string value) => Kind switch
    {
        MatchKind.Keyword => value == Keyword,
        MatchKind.AnyKeyword => Keywords!.Contains(value),
        MatchKind.ExceptKeyword => !Keywords!.Contains(value),
        _ => false,
    };

    /// <summary>True when an integer payload value matches.</summary>
    public bool Matches(long value) => Kind switch
    {
        MatchKind.Integer => value == Integer,
        MatchKind.AnyInteger => Integers!.Contains(value),
        MatchKind.ExceptInteger => !Integers!.Contains(value),
        _ => false,
    };

    /// <summary>True when a bool payload value matches.</summary>
    public bool Matches(bool value) => Kind == MatchKind.Boolean && value == Boolean;
}
