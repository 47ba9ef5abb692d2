using System.CommandLine;
using VecVault.Bench.Ann;
using VecVault.Bench.Byok;
using VecVault.Bench.Micro;
using VecVault.Bench.Storage;

var root = new RootCommand("vecvault-bench: VecVault's benchmarks. Results go to bench/results/ as JSON, markdown and PNG.")
{
    ByokBenchmark.Command(),
    IndexBenchmark.Command(),
    MicroBenchmarks.Command(),
    StorageBenchmark.Command(),
};
return await root.Parse(args).InvokeAsync();
