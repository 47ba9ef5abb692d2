namespace VecVault.Core.Filters;

/// <summary>The kinds of <see cref="MatchValue"/>.</summary>
public enum MatchKind
{
    /// <summary>Equals a keyword.</summary>
    Keyword,

    /// <summary>Equals an integer.</summary>
    Integer,

    /// <summary>Equals a bool.</summary>
    Boolean,

    /// <summary>Equals any of several keywords.</summary>
    AnyKeyword,

    /// <summary>Equals any of several integers.</summary>
    AnyInteger,

    /// <summary>A keyword not among several.</summary>
    ExceptKeyword,

    /// <summary>An integer not among several.</summary>
    ExceptInteger,
}
