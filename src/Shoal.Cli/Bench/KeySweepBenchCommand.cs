using System.CommandLine;
using System.Globalization;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Bench;

namespace Shoal.Cli.Bench;

/// <summary>
/// <c>shoal bench keys</c>: Parallel Consumer's key sweep (<see cref="KeySweepBench"/>): events on one partition with
/// random handler work, key order at each key count against partition order in the same run. Results: docs/benchmarks.md.
/// </summary>
internal static class KeySweepBenchCommand
{
    public static Command Create()
    {
        var engine = EngineUris.CreateOption("The engine to measure");
        var events = new Option<int>("--events")
        {
            Description = "Events per measurement, all on one partition",
            DefaultValueFactory = _ => 10_000,
        }.InRange(1, KeySweepBenchSettings.MaxEvents);
        var keys = new Option<int[]>("--keys")
        {
            Description = "Key counts to measure in key order, one measurement each (several values, space- or comma-separated)",
            HelpName = "N",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [1, 10, 100, 10_000],
            CustomParser = result =>
            {
                var values = new List<int>();
                foreach (var part in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries)))
                {
                    if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > KeySweepBenchSettings.MaxEvents)
                    {
                        result.AddError(string.Create(CultureInfo.InvariantCulture, $"--keys: '{part}' is not a key count between 1 and {KeySweepBenchSettings.MaxEvents:N0}."));
                        return [];
                    }

                    values.Add(count);
                }

                return [.. values];
            },
        };
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Handler calls at once in key order (partition order, the baseline, is 1)",
            DefaultValueFactory = _ => 100,
        }.InRange(1, 100_000);
        var maxWork = new Option<double>("--max-work-ms")
        {
            Description = "Each handler call waits a random time from 0 up to this many milliseconds (seeded; a precise delay, not Task.Delay)",
            DefaultValueFactory = _ => 5,
        }.InRange(0, KeySweepBenchSettings.MaxHandlerWork.TotalMilliseconds);
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the random work: the same seed gives every event the same work in every run",
            DefaultValueFactory = _ => KeySweepBenchSettings.DefaultSeed,
        };
        var json = CliOutput.CreateJsonOption();
        var command = new Command("keys", "Parallel Consumer's key sweep: key order at 1, 10, 100, 10,000 keys against partition order (concurrency 1), one partition, random handler work")
        {
            engine, events, keys, concurrency, maxWork, seed, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(async () =>
            {
                var settings = new KeySweepBenchSettings(
                    parseResult.GetValue(engine)!,
                    parseResult.GetValue(events),
                    parseResult.GetValue(keys)!,
                    parseResult.GetValue(concurrency),
                    TimeSpan.FromMilliseconds(parseResult.GetValue(maxWork)),
                    parseResult.GetValue(seed));
                var report = await KeySweepBench.RunAsync(settings, EngineUris.Services, output.Json ? TextWriter.Null : output.Out, cancellationToken);
                if (output.Json)
                {
                    output.WriteJson(report, CliJsonContext.Default.KeySweepBenchReport);
                }

                // Order broken or events missing is a failure; the ratio is reported, not judged.
                return report.Results.Append(report.Baseline).All(l => l.Handled == report.Events && l.Duplicates + l.OrderViolations + l.Overlaps == 0)
                    ? ExitCodes.Ok
                    : ExitCodes.Failed;
            }, cancellationToken);
        });
        return command;
    }
}
