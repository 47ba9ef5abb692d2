namespace VecVault.Core.Filters;

/// <summary>The payload field at a dotted path ("user.country") equals <paramref name="Value"/> (for a list: any element does).</summary>
/// <param name="Key">The field's path.</param>
/// <param name="Value">What it must match.</param>
public sealed record MatchCondition(string Key, MatchValue Value) : Condition;

/// <summary>The numeric payload field at <paramref name="Key"/> lies within the bounds given (absent bounds are open).</summary>
/// <param name="Key">The field's path.</param>
/// <param name="Lt">Strictly less than.</param>
/// <param name="Gt">Strictly greater than.</param>
/// <param name="Lte">Less than or equal.</param>
/// <param name="Gte">Greater than or equal.</param>
public sealed record RangeCondition(string Key, double? Lt, double? Gt, double? Lte, double? Gte) : Condition
{
    /// <summary>True when <paramref name="value"/> is within every bound.</summary>
    public bool Contains(double value) =>
        (Lt is not { } lt || value < lt) && (Gt is not { } gt || value > gt) && (Lte is not { } lte || value <= lte) && (Gte is not { } gte || value >= gte);
}

/// <summary>The field at <paramref name="Key"/> is missing, null or an empty list.</summary>
/// <param name="Key">The field's path.</param>
public sealed record IsEmptyCondition(string Key) : Condition;

/// <summary>The field at <paramref name="Key"/> is present and null.</summary>
/// <param name="Key">The field's path.</param>
public sealed record IsNullCondition(string Key) : Condition;

/// <summary>The point's id is one of <paramref name="Ids"/>.</summary>
/// <param name="Ids">The ids.</param>
public sealed record HasIdCondition(IReadOnlySet<Ids.PointId> Ids) : Condition;

/// <summary>A nested filter, to combine must/should/must_not groups.</summary>
/// <param name="Filter">The nested filter.</param>
public sealed record NestedCondition(Filter Filter) : Condition;
