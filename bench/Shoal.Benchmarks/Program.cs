using BenchmarkDotNet.Running;
using Shoal.Benchmarks.SlowHandler;

if (args is ["delay-latency", ..])
{
    // Not a benchmark: checks that the 1 ms delay used by SlowHandlerBenchmarks really takes ~1 ms.
    await DelayLatencyProbe.RunAsync();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
