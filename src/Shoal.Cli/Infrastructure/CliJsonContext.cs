using System.Text.Json.Serialization;
using Shoal.Cli.Autoscaling;
using Shoal.Cli.Demo;
using Shoal.Cli.Verbs;
using Shoal.Scenarios.Demo;
using Shoal.Scenarios.Workload;
using Shoal.Simulation.Autoscaling;

namespace Shoal.Cli.Infrastructure;

/// <summary>Source-generated JSON for every <c>--json</c> result (camelCase, one line).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(DemoReport))]
[JsonSerializable(typeof(Shoal.Cli.Chaos.ChaosReport))]
[JsonSerializable(typeof(ProduceReport))]
[JsonSerializable(typeof(WorkerReport))]
[JsonSerializable(typeof(VerifyReport))]
[JsonSerializable(typeof(AutoscaleStatus))]
[JsonSerializable(typeof(AutoscaleSimReport))]
[JsonSerializable(typeof(Shoal.Cli.Nats.DevClusterInfo))]
[JsonSerializable(typeof(Shoal.Cli.Serve.ServeStarted))]
[JsonSerializable(typeof(Shoal.Cluster.Autoscaling.SupervisorEvent))]
[JsonSerializable(typeof(Shoal.Cluster.Autoscaling.SupervisorSummary))]
[JsonSerializable(typeof(Shoal.Cli.Bench.NatsBenchReport))]
[JsonSerializable(typeof(Shoal.Scenarios.Bench.ScalingBenchReport))]
[JsonSerializable(typeof(Shoal.Scenarios.Bench.FailoverBenchReport))]
[JsonSerializable(typeof(Shoal.Scenarios.Bench.LatencyBenchReport))]
[JsonSerializable(typeof(Shoal.Scenarios.Bench.KeySweepBenchReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
