using System.CommandLine;
using System.Globalization;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Engine;
using Shoal.Scenarios.Bench;
using Shoal.Scenarios.Nats;

namespace Shoal.Cli.Bench;

/// <summary>
/// <c>shoal bench scaling</c>: events per second of 1, 2, 4… <c>shoal worker</c> processes with an I/O-bound handler
/// of bounded concurrency, against N × one worker (<see cref="ScalingBench"/>). Results: docs/benchmarks.md.
/// </summary>
internal static class ScalingBenchCommand
{
    public static Command Create()
    {
        var engine = new Option<string?>(EngineUris.OptionName)
        {
            Description = "NATS servers the workers share (nats://HOST:PORT[,…]); default: a nats-server started on loopback for the run",
            HelpName = "URI",
        }.Check(uri => uri is null ? null
            : !ShoalEngines.TryValidate(uri, out var problem) ? problem
            : !EngineUris.SharedBetweenProcesses(uri) ? $"'{ShoalEngines.Redact(uri)}': worker processes need an engine they can share; use nats://HOST:PORT."
            : null);
        var workers = new Option<string>("--workers")
        {
            Description = "Worker counts to measure, comma-separated (one worker is always measured: it is the baseline)",
            DefaultValueFactory = _ => "1,2,4",
        }.Check(text => ParseWorkers(text) is null ? $"'{text}' is not a list of counts between 1 and 64, e.g. 1,2,4." : null);
        var partitions = new Option<int>("--partitions")
        {
            Description = "Partitions of each run's topic (a multiple of every worker count keeps the shares even)",
            DefaultValueFactory = _ => 16,
        }.InRange(1, 1024);
        var sleep = new Option<double>("--handler-ms")
        {
            Description = "Milliseconds each handler call sleeps (an I/O-bound handler: --handler sleep:MS)",
            DefaultValueFactory = _ => 2,
        }.InRange(0.1, 10_000);
        var concurrency = new Option<int>("--handler-concurrency")
        {
            Description = "Handler calls at once per worker process (--handler-concurrency of shoal worker)",
            DefaultValueFactory = _ => 16,
        }.InRange(1, 100_000);
        var keys = new Option<int>("--keys")
        {
            Description = "Distinct keys of the backlog (many, so per-key order never limits concurrency)",
            DefaultValueFactory = _ => 10_000,
        }.InRange(1, 10_000_000);
        var warmup = DurationOptions.Create("--warmup", TimeSpan.FromSeconds(3), "Time after the partitions are shared evenly before the window opens");
        var window = DurationOptions.Create("--window", TimeSpan.FromSeconds(10), "How long committed offsets are sampled");
        var json = CliOutput.CreateJsonOption();
        var command = new Command("scaling", "Events per second of 1, 2, 4… shoal worker processes with an I/O-bound handler of bounded concurrency, against N x one worker")
        {
            engine, workers, partitions, sleep, concurrency, keys, warmup, window, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(async () =>
            {
                var uri = parseResult.GetValue(engine);
                await using var cluster = uri is null ? await LocalNatsCluster.StartAsync(cancellationToken: cancellationToken) : null;
                var settings = new ScalingBenchSettings(
                    uri ?? cluster!.Urls[0],
                    ParseWorkers(parseResult.GetValue(workers)!)!,
                    parseResult.GetValue(partitions),
                    TimeSpan.FromMilliseconds(parseResult.GetValue(sleep)),
                    parseResult.GetValue(concurrency),
                    parseResult.GetValue(keys),
                    parseResult.GetValue(warmup),
                    parseResult.GetValue(window));
                var report = await ScalingBench.RunAsync(settings, ThisShoal.Launcher(), EngineUris.Services, output.Out, output.Json, cancellationToken);
                if (output.Json)
                {
                    output.WriteJson(report, CliJsonContext.Default.ScalingBenchReport);
                }

                return report.Results.All(r => r.TargetMet) ? ExitCodes.Ok : ExitCodes.Failed;
            }, cancellationToken);
        });
        return command;
    }

    private static int[]? ParseWorkers(string text)
    {
        var counts = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 64)
            {
                return null;
            }

            counts.Add(n);
        }

        return counts.Count == 0 ? null : [.. counts.Distinct()];
    }
}
