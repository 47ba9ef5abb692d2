using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using VecVault.Core.Collections;

namespace VecVault.Index.Distance;

/// <summary>
/// Distance kernels: dot product and squared L2, each as a scalar reference, a hand-written <see cref="Vector256"/>
/// and <see cref="Vector512"/> loop (four accumulators), and <see cref="TensorPrimitives"/>. The widest hand-written
/// kernel the hardware accelerates is chosen once, at start (<see cref="Implementation"/>); where none is, the scalar one.
/// Scores: cosine and dot are similarities (larger is closer); l2 is a squared distance (smaller is closer).
/// Distances (<see cref="Distance"/>) are smaller-is-closer for every metric: squared L2, or the negated dot product.
/// </summary>
public static class DistanceKernels
{
    private static readonly Kernel Selected = Vector512.IsHardwareAccelerated ? Kernel.Vector512
        : Vector256.IsHardwareAccelerated ? Kernel.Vector256 : Kernel.Scalar;

    private enum Kernel
    {
        Scalar,
        Vector256,
        Vector512,
    }

    /// <summary>The kernel chosen for this process: <c>avx512</c>, <c>avx2</c> or <c>scalar</c>.</summary>
    public static string Implementation => Selected switch
    {
        Kernel.Vector512 => "avx512",
        Kernel.Vector256 => "avx2",
        _ => "scalar",
    };

    /// <summary>The score of <paramref name="stored"/> against <paramref name="query"/> under <paramref name="metric"/>.</summary>
    public static float Score(Metric metric, ReadOnlySpan<float> query, ReadOnlySpan<float> stored) =>
        metric == Metric.L2 ? L2Squared(query, stored) : Dot(query, stored);

    /// <summary>A smaller-is-closer distance: squared L2, or the negated dot product (cosine vectors are normalised).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(Metric metric, ReadOnlySpan<float> query, ReadOnlySpan<float> stored) =>
        metric == Metric.L2 ? L2Squared(query, stored) : -Dot(query, stored);

    /// <summary>The score a <see cref="Distance"/> stands for.</summary>
    public static float ScoreOf(Metric metric, float distance) => metric == Metric.L2 ? distance : -distance;

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

    /// <summary>Dot product with the kernel chosen at start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        return Selected switch
        {
            Kernel.Vector512 => DotVector512(a, b),
            Kernel.Vector256 => DotVector256(a, b),
            _ => DotScalar(a, b),
        };
    }

    /// <summary>Squared Euclidean distance with the kernel chosen at start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float L2Squared(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        return Selected switch
        {
            Kernel.Vector512 => L2SquaredVector512(a, b),
            Kernel.Vector256 => L2SquaredVector256(a, b),
            _ => L2SquaredScalar(a, b),
        };
    }

    /// <summary>Scalar reference dot product.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float DotScalar(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Scalar reference squared L2.</summary>
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

    /// <summary>Dot product by <see cref="TensorPrimitives"/> (for comparison in benchmarks and tests).</summary>
    public static float DotTensorPrimitives(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    /// <summary>Squared L2 by <see cref="TensorPrimitives"/> (for comparison in benchmarks and tests).</summary>
    public static float L2SquaredTensorPrimitives(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var d = TensorPrimitives.Distance(a, b);
        return d * d;
    }

    /// <summary>Dot product, <see cref="Vector256"/> with four accumulators; the scalar loop where it is not accelerated.</summary>
    public static float DotVector256(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            return DotScalar(a, b);
        }

        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var n = (nuint)a.Length;
        var width = (nuint)Vector256<float>.Count;
        nuint i = 0;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i + (4 * width) <= n; i += 4 * width)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, i + width), Vector256.LoadUnsafe(ref pb, i + width), s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, i + (2 * width)), Vector256.LoadUnsafe(ref pb, i + (2 * width)), s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, i + (3 * width)), Vector256.LoadUnsafe(ref pb, i + (3 * width)), s3);
        }

        for (; i + width <= n; i += width)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i), s0);
        }

        var sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref pa, i) * Unsafe.Add(ref pb, i);
        }

        return sum;
    }

    /// <summary>Squared L2, <see cref="Vector256"/> with four accumulators; the scalar loop where it is not accelerated.</summary>
    public static float L2SquaredVector256(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            return L2SquaredScalar(a, b);
        }

        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var n = (nuint)a.Length;
        var width = (nuint)Vector256<float>.Count;
        nuint i = 0;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i + (4 * width) <= n; i += 4 * width)
        {
            var d0 = Vector256.LoadUnsafe(ref pa, i) - Vector256.LoadUnsafe(ref pb, i);
            var d1 = Vector256.LoadUnsafe(ref pa, i + width) - Vector256.LoadUnsafe(ref pb, i + width);
            var d2 = Vector256.LoadUnsafe(ref pa, i + (2 * width)) - Vector256.LoadUnsafe(ref pb, i + (2 * width));
            var d3 = Vector256.LoadUnsafe(ref pa, i + (3 * width)) - Vector256.LoadUnsafe(ref pb, i + (3 * width));
            s0 = Vector256.FusedMultiplyAdd(d0, d0, s0);
            s1 = Vector256.FusedMultiplyAdd(d1, d1, s1);
            s2 = Vector256.FusedMultiplyAdd(d2, d2, s2);
            s3 = Vector256.FusedMultiplyAdd(d3, d3, s3);
        }

        for (; i + width <= n; i += width)
        {
            var d = Vector256.LoadUnsafe(ref pa, i) - Vector256.LoadUnsafe(ref pb, i);
            s0 = Vector256.FusedMultiplyAdd(d, d, s0);
        }

        var sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; i < n; i++)
        {
            var d = Unsafe.Add(ref pa, i) - Unsafe.Add(ref pb, i);
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Dot product, <see cref="Vector512"/> with four accumulators; the 256-bit kernel where it is not accelerated.</summary>
    public static float DotVector512(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return DotVector256(a, b);
        }

        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var n = (nuint)a.Length;
        var width = (nuint)Vector512<float>.Count;
        nuint i = 0;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i + (4 * width) <= n; i += 4 * width)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, i), Vector512.LoadUnsafe(ref pb, i), s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, i + width), Vector512.LoadUnsafe(ref pb, i + width), s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, i + (2 * width)), Vector512.LoadUnsafe(ref pb, i + (2 * width)), s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, i + (3 * width)), Vector512.LoadUnsafe(ref pb, i + (3 * width)), s3);
        }

        for (; i + width <= n; i += width)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, i), Vector512.LoadUnsafe(ref pb, i), s0);
        }

        var sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        return i == n ? sum : sum + DotVector256(a[(int)i..], b[(int)i..]);
    }

    /// <summary>Squared L2, <see cref="Vector512"/> with four accumulators; the 256-bit kernel where it is not accelerated.</summary>
    public static float L2SquaredVector512(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return L2SquaredVector256(a, b);
        }

        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var n = (nuint)a.Length;
        var width = (nuint)Vector512<float>.Count;
        nuint i = 0;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i + (4 * width) <= n; i += 4 * width)
        {
            var d0 = Vector512.LoadUnsafe(ref pa, i) - Vector512.LoadUnsafe(ref pb, i);
            var d1 = Vector512.LoadUnsafe(ref pa, i + width) - Vector512.LoadUnsafe(ref pb, i + width);
            var d2 = Vector512.LoadUnsafe(ref pa, i + (2 * width)) - Vector512.LoadUnsafe(ref pb, i + (2 * width));
            var d3 = Vector512.LoadUnsafe(ref pa, i + (3 * width)) - Vector512.LoadUnsafe(ref pb, i + (3 * width));
            s0 = Vector512.FusedMultiplyAdd(d0, d0, s0);
            s1 = Vector512.FusedMultiplyAdd(d1, d1, s1);
            s2 = Vector512.FusedMultiplyAdd(d2, d2, s2);
            s3 = Vector512.FusedMultiplyAdd(d3, d3, s3);
        }

        for (; i + width <= n; i += width)
        {
            var d = Vector512.LoadUnsafe(ref pa, i) - Vector512.LoadUnsafe(ref pb, i);
            s0 = Vector512.FusedMultiplyAdd(d, d, s0);
        }

        var sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        return i == n ? sum : sum + L2SquaredVector256(a[(int)i..], b[(int)i..]);
    }

    private static void CheckLengths(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("vectors differ in length", nameof(b));
        }
    }
}
