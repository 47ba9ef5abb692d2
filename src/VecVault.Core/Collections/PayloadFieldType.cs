namespace VecVault.Core.Collections;

/// <summary>Types of indexed payload values.</summary>
public enum PayloadFieldType
{
    /// <summary>Strings, matched exactly.</summary>
    Keyword = 1,

    /// <summary>64-bit integers, matched exactly or by range.</summary>
    Integer = 2,

    /// <summary>Numbers, by range.</summary>
    Float = 3,

    /// <summary>Booleans.</summary>
    Bool = 4,
}
