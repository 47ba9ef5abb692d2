using VecVault.Core.Errors;

namespace VecVault.Core.Collections;

/// <summary>A payload field a collection indexes for filtering.</summary>
/// <param name="Field">The field's dotted path.</param>
/// <param name="Type">The type of value indexed.</param>
public sealed record PayloadIndexSpec(string Field, PayloadFieldType Type)
{
    /// <summary>Longest field path accepted.</summary>
    public const int MaxFieldLength = 256;

    /// <summary>Most payload indexes on one collection.</summary>
    public const int MaxIndexes = 32;

    /// <summary>Throws <see cref="VecVaultException"/> (InvalidArgument) naming <paramref name="field"/>.</summary>
    public PayloadIndexSpec Validate(string field)
    {
        if (string.IsNullOrWhiteSpace(Field) || Field.Length > MaxFieldLength || Field.Any(char.IsControl) || Field.Split('.').Any(part => part.Length == 0))
        {
            throw VecVaultException.Invalid($"{field}.field", $"must be a dotted path of 1-{MaxFieldLength} printable characters");
        }

        if (!Enum.IsDefined(Type))
        {
            throw VecVaultException.Invalid($"{field}.type", "must be KEYWORD, INTEGER, FLOAT or BOOL");
        }

        return this;
    }
}
