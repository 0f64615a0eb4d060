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
            .Check(v => v is "1" or "3" or "both" ? null : $"--replicas: '{v}' is not 1, 3 or both.");
        var json = CliOutput.CreateJsonOption();
        var command = new Command("nats", "Publish and consume through Shoal's NATS engine vs the raw NATS.Net JetStream client, at R1 and R3, and report the ratios")
        {
            events, payload, window, rounds, replicas, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new NatsBenchSettings(parseResult.GetValue(events), parseResult.GetValue(payload), parseResult.GetValue(window), parseResult.GetValue(rounds));
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
        text.AppendLine(FormattableString.Invariant($"{r.Setup}: publish shoal {r.ShoalPublishPerSecond,10:N0}/s  raw {r.RawPublishPerSecond,10:N0}/s  ratio {r.PublishRatio:0.00}x {Verdict(r.PublishRatio)}"));
        text.AppendLine(FormattableString.Invariant($"{r.Setup}: consume shoal {r.ShoalConsumePerSecond,10:N0}/s  raw {r.RawConsumeShoalStreamPerSecond,10:N0}/s  ratio {r.ConsumeRatio:0.00}x {Verdict(r.ConsumeRatio)} (raw pull consumer on the same messages)"));
        text.Append(FormattableString.Invariant($"{r.Setup}: (raw pull consumer on header-less messages of the same payload: {r.RawConsumePerSecond:N0}/s, shoal/that {r.ConsumeRatioHeaderless:0.00}x)"));
        return text.ToString();
    }

    private static string Verdict(double ratio) => ratio >= 0.8 ? "(target 0.8x met)" : "(target 0.8x MISSED)";
}

/// <summary>The <c>--json</c> object of <c>shoal bench nats</c>.</summary>
internal sealed record NatsBenchReport(int Events, int PayloadBytes, int Window, int Rounds, IReadOnlyList<NatsBenchResult> Results);
