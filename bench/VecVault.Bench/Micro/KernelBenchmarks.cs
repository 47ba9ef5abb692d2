using BenchmarkDotNet.Attributes;
using VecVault.Index.Distance;

namespace VecVault.Bench.Micro;

/// <summary>Every distance kernel at the dimensions the index benchmark uses (128 and 784), to choose among them by measurement.</summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];

    [Params(128, 784)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(Dimension);
        _a = [.. Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble())];
        _b = [.. Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble())];
    }

    [Benchmark(Baseline = true)]
    public float DotScalar() => DistanceKernels.DotScalar(_a, _b);

    [Benchmark]
    public float DotTensorPrimitives() => DistanceKernels.DotTensorPrimitives(_a, _b);

    [Benchmark]
    public float DotVector256() => DistanceKernels.DotVector256(_a, _b);

    [Benchmark]
    public float DotVector512() => DistanceKernels.DotVector512(_a, _b);

    [Benchmark]
    public float L2Scalar() => DistanceKernels.L2SquaredScalar(_a, _b);

    [Benchmark]
    public float L2TensorPrimitives() => DistanceKernels.L2SquaredTensorPrimitives(_a, _b);

    [Benchmark]
    public float L2Vector256() => DistanceKernels.L2SquaredVector256(_a, _b);

    [Benchmark]
    public float L2Vector512() => DistanceKernels.L2SquaredVector512(_a, _b);
}
