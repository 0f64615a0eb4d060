using System.CommandLine;
using System.Globalization;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Bench;

namespace Shoal.Cli.Bench;

/// <summary>
/// <c>shoal bench latency</c>: publish→handler-start latency at fixed rates, open loop (<see cref="LatencyBench"/>),
/// p50 to max per rate, optionally plotted against the rate as SVG. Results: docs/benchmarks.md.
/// </summary>
internal static class LatencyBenchCommand
{
    private const double MaxRate = 1_000_000;

    public static Command Create()
    {
        var engine = EngineUris.CreateOption("The engine to measure");
        var rates = new Option<double[]>("--rate")
        {
            Description = "Events per second to publish at, one measurement each (several values, space- or comma-separated)",
            HelpName = "R",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [1_000, 10_000],
            CustomParser = result =>
            {
                var values = new List<double>();
                foreach (var part in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries)))
                {
                    if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !double.IsFinite(rate))
                    {
                        result.AddError($"--rate: '{part}' is not a number of events per second.");
                        return [];
                    }

                    if (rate is <= 0 or > MaxRate)
                    {
                        result.AddError(string.Create(CultureInfo.InvariantCulture, $"--rate: must be more than 0 and at most {MaxRate:N0} events per second; was {part}."));
                        return [];
                    }

                    values.Add(rate);
                }

                return [.. values];
            },
        };
        var duration = DurationOptions.Create("--duration", TimeSpan.FromSeconds(10), "How long each rate is published").Positive();
        var handlerMs = new Option<double>("--handler-ms")
        {
            Description = "Milliseconds each handler call waits after it recorded its latency (0: returns at once)",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 10_000);
        var pacing = new Option<LatencyPacing>("--pacing")
        {
            Description = "How the publisher waits for each slot: sleep (a thread of its own, Thread.Sleep(1)), spin (a thread that sleeps until 1 ms before each slot and spins the rest; costs up to a core) or timer (an async 1 ms Task.Delay, wakes ~4 ms late)",
            HelpName = "sleep|spin|timer",
            DefaultValueFactory = _ => LatencyBenchSettings.DefaultPacing,
            CustomParser = result =>
            {
                var value = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
                foreach (var known in Enum.GetValues<LatencyPacing>())
                {
                    if (string.Equals(known.ToString(), value, StringComparison.OrdinalIgnoreCase))
                    {
                        return known;
                    }
                }

                result.AddError($"--pacing: '{value}' is not one of sleep, spin, timer.");
                return LatencyBenchSettings.DefaultPacing;
            },
        };
        var inFlight = new Option<int>("--in-flight")
        {
            Description = "Most publish calls running at once (1: each waits for the last, as a caller awaiting every publish)",
            DefaultValueFactory = _ => LatencyBenchSettings.DefaultInFlight,
        }.InRange(1, 4096);
        var plot = new Option<string?>("--plot") { Description = "Also write the percentiles against the rate as an SVG chart to this file", HelpName = "FILE.svg" };
        var json = CliOutput.CreateJsonOption();
        var command = new Command("latency", "Publish-to-handler-start latency at fixed rates (open loop), p50/p90/p99/p99.9/max per rate")
        {
            engine, rates, duration, handlerMs, pacing, inFlight, plot, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(async () =>
            {
                var settings = new LatencyBenchSettings(
                    parseResult.GetValue(engine)!,
                    parseResult.GetValue(rates)!,
                    parseResult.GetValue(duration),
                    TimeSpan.FromMilliseconds(parseResult.GetValue(handlerMs)),
                    Pacing: parseResult.GetValue(pacing),
                    InFlight: parseResult.GetValue(inFlight));
                var report = await LatencyBench.RunAsync(settings, EngineUris.Services, output.Json ? TextWriter.Null : output.Out, cancellationToken);
                if (parseResult.GetValue(plot) is { } file)
                {
                    try
                    {
                        LatencyPlot.Create(report).Save(file);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                    {
                        return output.Fail($"--plot: cannot write '{file}': {e.Message}");
                    }
                }

                if (output.Json)
                {
                    output.WriteJson(report, CliJsonContext.Default.LatencyBenchReport);
                }

                return ExitCodes.Ok;
            }, cancellationToken);
        });
        return command;
    }
}
