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

if (args is ["file-recovery", var directory])
{
    // Not a benchmark: how long the durable engine takes to recover a data directory (docs/benchmarks.md).
    await Shoal.Benchmarks.FileEngine.RecoveryProbe.RunAsync(directory);
    return;
}

if (args is ["peers", ..])
{
    // MassTransit's partitioned consumer against Shoal, same workload in one run (issue 15; docs/benchmarks.md).
    Environment.ExitCode = await Shoal.Benchmarks.Peers.PeerComparison.RunAsync(args);
    return;
}

if (args is ["file-append", ..])
{
    // FileAppendBenchmarks with raw FasterLog and the engine interleaved, for a ratio a drifting disk cannot skew.
    await Shoal.Benchmarks.FileEngine.FileAppendComparison.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 41);
    return;
}

if (args is ["e2e-alloc", ..])
{
    // Not a benchmark: allocated bytes per event of EndToEndBenchmarks.Shoal and the sampled allocating types.
    await Shoal.Benchmarks.EndToEnd.AllocationProbe.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
