using System.CommandLine;
using System.Text;
using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Bench;
using Shoal.Scenarios.Nats;

namespace Shoal.Cli.Bench;

/// <summary>
/// <c>shoal bench nats</c>: Shoal's NATS engine against the raw NATS.Net JetStream client, at R1 (one server) and R3
/// (a 3-server cluster), both started on loopback with the <c>nats-server</c> on PATH. Results: docs/benchmarks.md.
/// </summary>
internal static class NatsBenchCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events per measurement", DefaultValueFactory = _ => 200_000 }.InRange(1_000, 10_000_000);
        var payload = new Option<int>("--payload") { Description = "Payload bytes per event", DefaultValueFactory = _ => 128 }.InRange(1, 512 * 1024);
        var window = new Option<int>("--window") { Description = "Publish acknowledgements outstanding at once (and read batch size)", DefaultValueFactory = _ => 1024 }.InRange(1, 65_536);
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds per setup after one warm-up round (medians are reported)", DefaultValueFactory = _ => 9 }.InRange(1, 50);
        var replicas = new Option<string>("--replicas") { Description = "Which setups to run: 1, 3 or both", DefaultValueFactory = _ => "both" }
            .Check(v => v is "1" or "3" or "both" ? null : $"'{v}' is not 1, 3 or both.");
        var partitions = new Option<int>("--partitions")
        {
            Description = "Partitions of the multi-partition publish comparison (raw PublishAsync window, raw blocks, PublishConcurrentAsync, a hand-written window, Shoal's publisher, the produce loop); 0 skips it",
            DefaultValueFactory = _ => 12,
        }.InRange(0, 256);
        var partitionedOnly = new Option<bool>("--partitioned-only") { Description = "Run only the multi-partition publish comparison" };
        var json = CliOutput.CreateJsonOption();
        var command = new Command("nats", "Publish and consume through Shoal's NATS engine vs the raw NATS.Net JetStream client, at R1 and R3, and report the ratios")
        {
            events, payload, window, rounds, replicas, partitions, partitionedOnly, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new NatsBenchSettings(parseResult.GetValue(events), parseResult.GetValue(payload), parseResult.GetValue(window), parseResult.GetValue(rounds),
                parseResult.GetValue(partitions), parseResult.GetValue(partitionedOnly));
            if (settings.PartitionedOnly && settings.Partitions == 0)
            {
                return Task.FromResult(output.Fail("--partitioned-only needs --partitions above 0.", ExitCodes.BadArguments));
            }

            var which = parseResult.GetValue(replicas)!;
            return output.RunAsync(() => RunAsync(settings, which, output, cancellationToken), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(NatsBenchSettings settings, string which, CliOutput output, CancellationToken cancellationToken)
    {
        var results = new List<NatsBenchResult>();
        foreach (var servers in which switch { "1" => new[] { 1 }, "3" => [3], _ => [1, 3] })
        {
            await using var cluster = await LocalNatsCluster.StartAsync(new LocalNatsClusterOptions { Servers = servers }, cancellationToken);
            var result = await NatsBench.RunAsync(servers == 1 ? "R1 (1 server)" : "R3 (3 servers)", cluster.Urls, servers, settings, cancellationToken);
            results.Add(result);
            if (!output.Json)
            {
                output.Line(Format(result));
            }
        }

        if (output.Json)
        {
            output.WriteJson(new NatsBenchReport(settings.Events, settings.PayloadBytes, settings.Window, settings.Rounds,
                [.. results]),
                CliJsonContext.Default.NatsBenchReport);
        }

        return ExitCodes.Ok;
    }

    private static string Format(NatsBenchResult r)
    {
        var text = new StringBuilder();
        if (r.Partitioned is { } p)
        {
            text.AppendLine(FormattableString.Invariant($"{r.Setup}: publish over {p.Partitions} partitions, ratios against the first line round by round (median, min-max), bytes allocated per event:"));
            foreach (var side in p.Sides)
            {
                var target = side.Name.StartsWith("Shoal", StringComparison.Ordinal) ? " " + Verdict(side.Ratio, 0.9) : string.Empty;
                text.AppendLine(FormattableString.Invariant(
                    $"  {side.Name,-48} {side.PerSecond,10:N0}/s  {side.Ratio:0.00}x ({side.RatioMin:0.00}-{side.RatioMax:0.00})  {side.AllocatedBytesPerEvent,6:N0} B/event{target}"));
            }
        }

        if (r.RawPublishPerSecond == 0)
        {
            return text.ToString().TrimEnd();
        }

        text.AppendLine(FormattableString.Invariant($"{r.Setup}: publish shoal {r.ShoalPublishPerSecond,10:N0}/s  raw {r.RawPublishPerSecond,10:N0}/s  ratio {r.PublishRatio:0.00}x {Verdict(r.PublishRatio)}"));
        text.AppendLine(FormattableString.Invariant($"{r.Setup}: consume shoal {r.ShoalConsumePerSecond,10:N0}/s  raw {r.RawConsumeShoalStreamPerSecond,10:N0}/s  ratio {r.ConsumeRatio:0.00}x {Verdict(r.ConsumeRatio)} (raw pull consumer on the same messages)"));
        text.AppendLine(FormattableString.Invariant($"{r.Setup}: (raw pull consumer on header-less messages of the same payload: {r.RawConsumePerSecond:N0}/s, shoal/that {r.ConsumeRatioHeaderless:0.00}x)"));
        text.Append(FormattableString.Invariant(
            $"{r.Setup}: coordination updates (compare-and-set, one after the other) shoal {r.ShoalUpdatesPerSecond,8:N0}/s  raw KV {r.RawUpdatesPerSecond,8:N0}/s  ratio {r.UpdateRatio:0.00}x (nats-server {r.ServerVersion ?? "unknown"}: {(r.UpdatesConfirmed ? "each update confirmed by one more request, as on any cluster before 2.11" : "updates not confirmed")})"));
        return text.ToString();
    }

    private static string Verdict(double ratio, double target = 0.8) =>
        ratio >= target ? FormattableString.Invariant($"(target {target}x met)") : FormattableString.Invariant($"(target {target}x MISSED)");
}

/// <summary>The <c>--json</c> object of <c>shoal bench nats</c>.</summary>
internal sealed record NatsBenchReport(int Events, int PayloadBytes, int Window, int Rounds, IReadOnlyList<NatsBenchResult> Results);
