using System.CommandLine;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;

namespace Shoal.Cli.Verbs;

/// <summary><c>shoal produce</c>: creates the topic if absent and publishes events with per-key sequence numbers.</summary>
internal static class ProduceCommand
{
    public static Command Create()
    {
        var engine = EngineUris.CreateOption();
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
        var replicas = new Option<int>("--replicas")
        {
            Description = "Copies of each event when the topic is created, on engines that replicate (inproc:// does not and ignores it)",
            DefaultValueFactory = _ => 1,
        }.InRange(1, 5);
        var rate = new Option<double>("--rate")
        {
            Description = "Events per second at most (0: as fast as the engine acknowledges)",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 1e9);
        var json = CliOutput.CreateJsonOption();

        var command = new Command("produce", "Create a topic if absent and publish events carrying per-key sequence numbers, for workers to handle and 'shoal verify' to check")
        {
            engine, topic, events, keys, partitions, replicas, rate, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new ProduceSettings(
                parseResult.GetValue(engine)!,
                parseResult.GetValue(topic)!,
                parseResult.GetValue(events),
                parseResult.GetValue(keys),
                parseResult.GetValue(partitions),
                parseResult.GetValue(replicas),
                parseResult.GetValue(rate));
            return output.RunAsync(() => Producer.RunAsync(settings, output, parseResult.InvocationConfiguration.Error, cancellationToken), cancellationToken);
        });
        return command;
    }
}

/// <summary>The parsed options of <c>shoal produce</c>.</summary>
internal sealed record ProduceSettings(string Engine, string Topic, long Events, int Keys, int? Partitions, int Replicas, double Rate);

/// <summary>What <c>shoal produce --json</c> prints.</summary>
internal sealed record ProduceReport
{
    public required string Topic { get; init; }

    /// <summary>This run's id, carried in every event it published.</summary>
    public required string RunId { get; init; }

    /// <summary>This run's index among the topic's produce runs (0 for the first).</summary>
    public long Run { get; init; }

    /// <summary>Events asked for (<c>--events</c>).</summary>
    public long Requested { get; init; }

    /// <summary>Leading events of the run the engine acknowledged (stored).</summary>
    public long Acknowledged { get; init; }

    /// <summary>Acknowledged events the engine reported as already stored (a retried batch, de-duplicated by id).</summary>
    public long Duplicates { get; init; }

    public int Partitions { get; init; }

    public int Keys { get; init; }

    /// <summary>True when this run created the topic.</summary>
    public bool Created { get; init; }

    public long ElapsedMs { get; init; }

    public double EventsPerSecond { get; init; }
}
