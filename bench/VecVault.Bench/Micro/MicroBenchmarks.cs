using System.CommandLine;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace VecVault.Bench.Micro;

/// <summary><c>vecvault-bench micro</c>: BenchmarkDotNet micro-benchmarks of the kernels and of one search (with allocations).</summary>
internal static class MicroBenchmarks
{
    public static Command Command()
    {
        var quick = new Option<bool>("--quick") { Description = "BenchmarkDotNet's short run job (fewer iterations)" };
        var output = new Option<string>("--out") { Description = "Results directory", DefaultValueFactory = _ => Path.Combine(Repository.Root, "bench", "results", "micro") };
        var command = new Command("micro", "Distance kernels (scalar, TensorPrimitives, Vector256, Vector512) and one HNSW search, with MemoryDiagnoser") { quick, output };
        command.SetAction(parse =>
        {
            var config = ManualConfig.Create(DefaultConfig.Instance)
                .WithArtifactsPath(parse.GetValue(output)!)
                // In process: the program's assembly name (vecvault-bench) is not its project's, which a generated project would need.
                .AddJob((parse.GetValue(quick) ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance));
            BenchmarkRunner.Run([typeof(KernelBenchmarks), typeof(SearchBenchmarks)], config);
            return 0;
        });
        return command;
    }
}
