using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using VecVault.Core.Collections;

namespace VecVault.Index.Distance;

/// <summary>
/// Distance kernels. Dot uses <see cref="TensorPrimitives"/>; squared L2 uses a hand-written
/// <see cref="Vector256"/> loop where the hardware has it, with a scalar fallback.
/// Scores: cosine and dot are similarities (larger is closer); l2 is a squared distance (smaller is closer).
/// </summary>
public static class DistanceKernels
{
    /// <summary>The score of <paramref name="stored"/> against <paramref name="query"/> under <paramref name="metric"/>.</summary>
    public static float Score(Metric metric, ReadOnlySpan<float> query, ReadOnlySpan<float> stored) => metric switch
    {
        Metric.L2 => L2Squared(query, stored),
        _ => TensorPrimitives.Dot(query, stored),
    };

    /// <summary>True when a larger score is closer under <paramref name="metric"/>.</summary>
    public static bool HigherIsCloser(Metric metric) => metric != Metric.L2;

    /// <summary>Scales <paramref name="vector"/> to unit length in place; a zero vector stays zero.</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <summary>Squared Euclidean distance.</summary>
    public static float L2Squared(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("vectors differ in length", nameof(b));
        }

        var sum = 0f;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<float>.Count)
        {
            ref var pa = ref MemoryMarshal.GetReference(a);
            ref var pb = ref MemoryMarshal.GetReference(b);
            var acc = Vector256<float>.Zero;
            for (; i <= a.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var d = Vector256.LoadUnsafe(ref pa, (nuint)i) - Vector256.LoadUnsafe(ref pb, (nuint)i);
                acc += d * d;
            }

            sum = Vector256.Sum(acc);
        }

        return sum + L2SquaredScalar(a[i..], b[i..]);
    }

    /// <summary>Scalar reference for <see cref="L2Squared"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float L2SquaredScalar(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Scalar reference for the dot product.</summary>
    public static float DotScalar(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
