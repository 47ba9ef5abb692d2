using System.Runtime.Intrinsics;
using VecVault.Index.Distance;

namespace VecVault.Index.Tests;

/// <summary>Every SIMD kernel equals the scalar reference, on random and edge-case inputs.</summary>
public sealed class DistanceKernelTests
{
    private delegate float Kernel(ReadOnlySpan<float> a, ReadOnlySpan<float> b);

    public static TheoryData<int> Lengths => [1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 128, 129, 784, 1000];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Every_kernel_equals_the_scalar_reference_on_random_vectors(int length)
    {
        var random = new Random(length);
        for (var round = 0; round < 20; round++)
        {
            var a = Vector(random, length, 100);
            var b = Vector(random, length, 100);
            AssertAllAgree(a, b);
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Every_kernel_agrees_on_zeros_equal_vectors_and_large_values(int length)
    {
        var random = new Random(length + 1);
        var zeros = new float[length];
        var large = Vector(random, length, 1e15f);
        var mixed = Vector(random, length, 1e6f);
        AssertAllAgree(zeros, zeros);
        AssertAllAgree(zeros, large);
        AssertAllAgree(large, mixed);
        AssertAllAgree(mixed, mixed);
        Assert.Equal(0f, DistanceKernels.L2Squared(mixed, mixed));
        Assert.Equal(0f, DistanceKernels.Dot(zeros, mixed));
    }

    [Fact]
    public void The_kernel_chosen_at_start_is_the_widest_the_hardware_accelerates()
    {
        // scripts/test runs these tests twice: as the machine is, and with DOTNET_EnableAVX512=0 (the fallback path).
        var expected = Vector512.IsHardwareAccelerated ? "avx512" : Vector256.IsHardwareAccelerated ? "avx2" : "scalar";
        Assert.Equal(expected, DistanceKernels.Implementation);
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.NotEqual("avx512", DistanceKernels.Implementation);
        }
    }

    [Fact]
    public void Vectors_of_different_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => DistanceKernels.Dot(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => DistanceKernels.L2Squared(new float[3], new float[2]));
    }

    private static void AssertAllAgree(float[] a, float[] b)
    {
        AssertAgree(DistanceKernels.DotScalar(a, b), a, b, DistanceKernels.Dot, DistanceKernels.DotVector256, DistanceKernels.DotVector512, DistanceKernels.DotTensorPrimitives);
        AssertAgree(DistanceKernels.L2SquaredScalar(a, b), a, b, DistanceKernels.L2Squared, DistanceKernels.L2SquaredVector256, DistanceKernels.L2SquaredVector512, DistanceKernels.L2SquaredTensorPrimitives);
    }

    private static void AssertAgree(float expected, float[] a, float[] b, params Kernel[] kernels)
    {
        // Summation order differs between kernels: the tolerance scales with the magnitudes summed.
        var magnitude = 0d;
        for (var i = 0; i < a.Length; i++)
        {
            magnitude += Math.Abs((double)a[i] * b[i]) + ((double)a[i] * a[i]) + ((double)b[i] * b[i]);
        }

        foreach (var kernel in kernels)
        {
            var actual = kernel(a, b);
            Assert.True(Math.Abs(actual - expected) <= (magnitude * 1e-5) + 1e-6, $"{kernel.Method.Name}: {actual} vs scalar {expected}");
        }
    }

    private static float[] Vector(Random random, int length, float scale) =>
        [.. Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale)];
}
