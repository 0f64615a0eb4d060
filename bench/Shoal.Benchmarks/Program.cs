using BenchmarkDotNet.Running;
using Shoal.Benchmarks.SlowHandler;

if (args is ["delay-latency", ..])
{
    // Not a benchmark: checks that the 1 ms delay used by SlowHandlerBenchmarks really takes ~1 ms.
    await DelayLatencyProbe.RunAsync();
    return;
}

if (args is ["server-ingest", ..])
{
    // Not BenchmarkDotNet: wrk (an external process) drives the HTTP server; see docs/benchmarks.md, Server ingest.
    await Shoal.Benchmarks.Server.ServerIngestBench.RunAsync(args);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
