using System.CommandLine;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Workload;

namespace Shoal.Cli.Verbs;

/// <summary><c>shoal produce</c>: creates the topic if absent and publishes events with per-key sequence numbers.</summary>
internal static class ProduceCommand
{
    public static Command Create()
    {
        var engine = new EngineOption();
        var topic = VerbOptions.Topic("The topic to publish to (created if absent)");
        var events = new Option<long>("--events")
        {
            Description = "Events to publish",
            Required = true,
        }.AtLeast(1);
        var keys = new Option<int>("--keys")
        {
            Description = "Distinct keys key-0 … key-(K-1); event n of the run gets key n mod K",
            Required = true,
        }.InRange(1, 10_000_000);
        var partitions = new Option<int?>("--partitions")
        {
            Description = $"Partitions when the topic is created (default {Producer.DefaultPartitions}); must match an existing topic's",
        }.Check(value => value is null or (>= 1 and <= 100_000) ? null : $"must be between 1 and 100000; was {value}.");
        var replicas = new Option<int?>("--replicas")
        {
            Description = "Copies of each event when the topic is created, on engines that replicate (default the engine's: on nats://, as many as the cluster allows, up to 3; inproc:// keeps one and ignores it)",
        }.Check(value => value is null or (>= 1 and <= 5) ? null : $"must be between 1 and 5; was {value}.");
        var timeout = DurationOptions.Create("--timeout", Producer.DefaultTimeout,
            "How long connecting, creating the topic, or publishing one batch may keep retrying transient engine errors before produce gives up").Positive();
        var rate = new Option<double>("--rate")
        {
            Description = "Events per second at most (0: as fast as the engine acknowledges)",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 1e9);
        var json = CliOutput.CreateJsonOption();

        var command = new Command("produce", "Create a topic if absent and publish events carrying per-key sequence numbers, for workers to handle and 'shoal verify' to check")
        {
            topic, events, keys, partitions, replicas, rate, timeout, json,
        };
        engine.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new ProduceSettings(
                engine.GetValue(parseResult, output.Error),
                parseResult.GetValue(topic)!,
                parseResult.GetValue(events),
                parseResult.GetValue(keys),
                parseResult.GetValue(partitions),
                parseResult.GetValue(replicas),
                parseResult.GetValue(rate))
            {
                Timeout = parseResult.GetValue(timeout),
            };
            return output.RunAsync(() => RunAsync(settings, output, parseResult.InvocationConfiguration.Error, cancellationToken), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ProduceSettings settings, CliOutput output, TextWriter error, CancellationToken cancellationToken)
    {
        var report = await ProgressDisplay.RunAsync(output, $"Publishing to {settings.Topic}", settings.Events,
            progress => Producer.RunAsync(settings, EngineUris.Services, error, progress, cancellationToken));
        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.ProduceReport);
        }
        else
        {
            output.Line($"topic         {report.Topic}{(report.Created ? " (created)" : string.Empty)}, {report.Partitions} partitions");
            output.Line($"run           {report.Run} ({report.RunId})");
            output.Line($"acknowledged  {report.Acknowledged} of {report.Requested}");
            output.Line($"rate          {report.EventsPerSecond:F0} events/s");
        }

        if (report.Failure is null && report.Acknowledged < report.Requested && cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C / SIGTERM: the report above says how far the run got.
            return output.Fail($"cancelled after {report.Acknowledged} of {report.Requested} events were acknowledged.", ExitCodes.Cancelled);
        }

        return report.Failure is null
            ? ExitCodes.Ok
            : output.Fail($"publishing stopped after {report.Acknowledged} of {report.Requested} events: {report.Failure}");
    }
}
