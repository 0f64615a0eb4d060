using System.CommandLine;
using System.CommandLine.Parsing;
using Shoal.Cli.Infrastructure;

namespace Shoal.Cli.Demo;

/// <summary><c>shoal demo</c>: publish, handle, verify and report on the in-process engine.</summary>
internal static class DemoCommand
{
    public const int MaxPartitions = 100_000;

    /// <summary>Builds the command; <paramref name="runner"/> is null until the runtime provides one.</summary>
    public static Command Create(IDemoRunner? runner)
    {
        var defaults = new DemoSettings();
        var events = new Option<long>("--events")
        {
            Description = "Events to publish",
            DefaultValueFactory = _ => defaults.Events,
        }.AtLeast(1);
        var keys = new Option<int>("--keys")
        {
            Description = "Distinct event keys (events of one key are handled in order)",
            DefaultValueFactory = _ => defaults.Keys,
        }.AtLeast(1);
        var partitions = new Option<int>("--partitions")
        {
            Description = "Partitions of the demo topic",
            DefaultValueFactory = _ => defaults.Partitions,
        }.InRange(1, MaxPartitions);
        var handlerMs = new Option<double>("--handler-ms")
        {
            Description = "Simulated work per event, in milliseconds (0 = none)",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 3_600_000);
        var nodes = new Option<int>("--nodes")
        {
            Description = "Worker nodes (only 1 until the cluster arrives)",
            DefaultValueFactory = _ => defaults.Nodes,
        }.Check(value => value == 1
            ? null
            : $"only 1 node is supported for now (was {value}); multi-node demos arrive with the cluster.");
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Keys handled concurrently per partition",
            DefaultValueFactory = _ => defaults.Concurrency,
        }.InRange(1, 1_000_000);
        var format = new Option<SerializationFormat>("--format")
        {
            Description = "Payload encoding of the demo events",
            DefaultValueFactory = _ => defaults.Format,
            CustomParser = ParseFormat,
            HelpName = "json|messagepack|protobuf|xml",
        };
        var json = CliOutput.CreateJsonOption();

        var command = new Command("demo", "Publish events over many keys on the in-process engine, handle them, verify nothing was lost or reordered, and report")
        {
            events, keys, partitions, handlerMs, nodes, concurrency, format, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new DemoSettings
            {
                Events = parseResult.GetValue(events),
                Keys = parseResult.GetValue(keys),
                Partitions = parseResult.GetValue(partitions),
                HandlerWork = TimeSpan.FromMilliseconds(parseResult.GetValue(handlerMs)),
                Nodes = parseResult.GetValue(nodes),
                Concurrency = parseResult.GetValue(concurrency),
                Format = parseResult.GetValue(format),
            };
            return output.RunAsync(() => RunAsync(runner, settings, output, cancellationToken), cancellationToken);
        });
        return command;
    }

    private static SerializationFormat ParseFormat(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (Enum.TryParse<SerializationFormat>(token, ignoreCase: true, out var value) && Enum.IsDefined(value) && token.Length > 0 && !char.IsDigit(token[0]))
        {
            return value;
        }

        result.AddError($"--format: '{token}' is not a payload format; use json, messagepack, protobuf or xml.");
        return default;
    }

    private static async Task<int> RunAsync(IDemoRunner? runner, DemoSettings settings, CliOutput output, CancellationToken cancellationToken)
    {
        if (runner is null)
        {
            return output.Fail("demo runner not wired yet.");
        }

        var report = await ProgressDisplay.RunAsync(
            output, "Handling events", settings.Events, progress => runner.RunAsync(settings, progress, cancellationToken));
        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.DemoReport);
        }
        else
        {
            DemoReportPrinter.Print(output, report);
        }

        return report.ExitCode();
    }
}
