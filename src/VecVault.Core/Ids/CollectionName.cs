using System.Diagnostics.CodeAnalysis;
using VecVault.Core.Errors;

namespace VecVault.Core.Ids;

/// <summary>
/// Validates collection names: 1-64 characters of letters, digits, '_', '-' and '.', starting with a letter or digit.
/// </summary>
public static class CollectionName
{
    /// <summary>Longest name accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>Returns the name, or throws <see cref="VecVaultException"/> (InvalidArgument) naming <paramref name="field"/>.</summary>
    public static string Validate(string? name, string field = "name") =>
        IsValid(name) ? name : throw VecVaultException.Invalid(field,
            "must be 1-64 characters of letters, digits, '_', '-' and '.', starting with a letter or digit");

    /// <summary>True when <paramref name="name"/> is a valid collection name.</summary>
    public static bool IsValid([NotNullWhen(true)] string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
