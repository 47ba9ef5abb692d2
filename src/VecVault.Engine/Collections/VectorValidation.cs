using VecVault.Core.Errors;

namespace VecVault.Engine.Collections;

/// <summary>Checks vectors before anything is written. Messages name the field, never a value.</summary>
internal static class VectorValidation
{
    public static void Check(ReadOnlySpan<float> vector, int dimension, string field)
    {
        if (vector.IsEmpty)
        {
            throw VecVaultException.Invalid(field, "must not be empty");
        }

        if (vector.Length != dimension)
        {
            throw VecVaultException.Invalid(field, $"has {vector.Length} dimensions; the collection has {dimension}");
        }

        foreach (var value in vector)
        {
            if (!float.IsFinite(value))
            {
                throw VecVaultException.Invalid(field, "must contain only finite numbers (no NaN or infinity)");
            }
        }
    }
}
