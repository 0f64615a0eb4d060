using System.CommandLine;

namespace Shoal.Cli.Bench;

/// <summary><c>shoal bench</c>: benchmarks that measure Shoal against a baseline in the same run (docs/benchmarks.md).</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks measured against a baseline in the same run")
    {
        NatsBenchCommand.Create(),
        ScalingBenchCommand.Create(),
        LatencyBenchCommand.Create(),
        KeySweepBenchCommand.Create(),
        Nats.FailoverBenchCommand.Create(),
    };
}
