using System.Diagnostics.CodeAnalysis;
using VecVault.Core.Errors;

namespace VecVault.Core.Ids;

/// <summary>
/// A tenant's id: 1-64 characters of lowercase letters, digits and '-', starting with a letter or digit.
/// It is also the name of the tenant's directory, so the alphabet is deliberately small.
/// </summary>
public readonly record struct TenantId
{
    /// <summary>Longest id accepted.</summary>
    public const int MaxLength = 64;

    private TenantId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id, or throws <see cref="VecVaultException"/> (InvalidArgument) naming <paramref name="field"/>.</summary>
    public static TenantId Parse(string? value, string field = "tenant_id") =>
        TryParse(value, out var id) ? id : throw VecVaultException.Invalid(field,
            "must be 1-64 characters of lowercase letters, digits and '-', starting with a letter or digit");

    /// <summary>Parses an id without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out TenantId id)
    {
        id = default;
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || value[0] == '-')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }

        id = new TenantId(value);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Value;
}
