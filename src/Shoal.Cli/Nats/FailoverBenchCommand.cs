using System.CommandLine;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Cluster;
using Shoal.Scenarios.Bench;

namespace Shoal.Cli.Nats;

/// <summary>
/// <c>shoal bench failover</c>: SIGKILL a worker process on a local NATS cluster and measure how long until survivors
/// process its partitions again (target ≤ 3 s with <c>--heartbeat 200ms --session-ttl 1s</c>). See <see cref="FailoverBench"/>.
/// </summary>
internal static class FailoverBenchCommand
{
    public static Command Create()
    {
        var servers = new Option<int>("--servers") { Description = "nats-server processes (1, or 3+ for R3 topics)", DefaultValueFactory = _ => 3 }.InRange(1, 9);
        var workers = new Option<int>("--workers") { Description = "Worker processes at the start (one is killed per round and replaced)", DefaultValueFactory = _ => 3 }.InRange(2, 16);
        var rounds = new Option<int>("--rounds") { Description = "Kills (one measurement each; the median and the worst are reported)", DefaultValueFactory = _ => 5 }.InRange(1, 100);
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the topic", DefaultValueFactory = _ => 12 }.InRange(2, 1000);
        var rate = new Option<double>("--rate") { Description = "Events per second published throughout (so every partition has work when its owner dies)", DefaultValueFactory = _ => 2000 }.InRange(100, 1e6);
        var heartbeat = DurationOptions.Create("--heartbeat", TimeSpan.FromMilliseconds(200), "The workers' heartbeat and lease-renewal interval").Positive();
        var sessionTtl = DurationOptions.Create("--session-ttl", TimeSpan.FromSeconds(1), "The workers' session TTL (at least twice --heartbeat)").Positive();
        var json = CliOutput.CreateJsonOption();
        var command = new Command("failover", "SIGKILL worker processes on a local NATS cluster and measure how long until survivors resume their partitions (target ≤ 3 s)")
        {
            servers, workers, rounds, partitions, rate, heartbeat, sessionTtl, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new FailoverBenchSettings(
                parseResult.GetValue(servers),
                parseResult.GetValue(workers),
                parseResult.GetValue(rounds),
                parseResult.GetValue(partitions),
                parseResult.GetValue(rate),
                parseResult.GetValue(heartbeat),
                parseResult.GetValue(sessionTtl));
            var error = parseResult.InvocationConfiguration.Error;
            return output.RunAsync(() => RunAsync(settings, output, error, cancellationToken), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(FailoverBenchSettings settings, CliOutput output, TextWriter error, CancellationToken cancellationToken)
    {
        ClusterOptionRules.CheckSessionTtl(settings.Heartbeat, settings.SessionTtl);
        var report = await FailoverBench.RunAsync(settings, ThisShoal.Launcher(), EngineUris.Services, line => error.WriteLine(line), cancellationToken);
        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.FailoverBenchReport);
        }
        else
        {
            foreach (var round in report.Rounds)
            {
                output.Line(FailoverBench.Format(round));
            }

            output.Line($"failover      median {report.MedianMs} ms, worst {report.MaxMs} ms over {report.Rounds.Count} kills (target ≤ {report.TargetMs} ms: {(report.TargetMet ? "met" : "MISSED")})");
            output.Line($"verify        produced {report.Verify.Produced}, lost {report.Verify.Lost}, duplicates {report.Verify.Duplicates}, orderViolations {report.Verify.OrderViolations}");
        }

        var resumed = report.Rounds.Count == settings.Rounds && report.Rounds.All(r => r.ResumedMs >= 0);
        if (!resumed)
        {
            return output.Fail("a killed worker's partitions were not resumed by the survivors within 60 s.");
        }

        return report.Verify.Passed ? ExitCodes.Ok : output.Fail("shoal verify found lost or reordered events after the kills.");
    }
}
