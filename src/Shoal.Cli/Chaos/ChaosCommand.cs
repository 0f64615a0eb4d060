using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Shoal.Cli.Infrastructure;
using Shoal.Simulation;

namespace Shoal.Cli.Chaos;

/// <summary>
/// <c>shoal chaos</c>: runs the deterministic simulation of a whole group under seeded faults and checks the
/// guarantees after each run (see docs/testing.md).
/// </summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var seeds = new Option<SeedRange>("--seeds")
        {
            Description = "Seeds to run: FIRST..LAST, or one seed",
            DefaultValueFactory = _ => new SeedRange(1, 200),
            CustomParser = ParseSeeds,
            HelpName = "FIRST..LAST",
        };
        var seed = new Option<int?>("--seed") { Description = "Replay one seed (same seed, same interleaving, same trace)" };
        var trace = new Option<bool>("--trace") { Description = "With --seed: print the run's event trace" };
        var members = new Option<int>("--members")
        {
            Description = "Members of the simulated group at the start",
            DefaultValueFactory = _ => new ChaosSettings().Members,
        }.InRange(1, 16);
        var parallel = new Option<int>("--parallel")
        {
            Description = "Seeds run at once (each run is single-threaded)",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        }.InRange(1, 256);
        var json = CliOutput.CreateJsonOption();
        var command = new Command("chaos", "Simulate a group under seeded faults (crashes, pauses, partitions, errors, rebalances) on virtual time and check that nothing is lost, reordered or committed by a zombie")
        {
            seeds, seed, trace, members, parallel, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var settings = new ChaosSettings { Members = parseResult.GetValue(members) };
            return output.RunAsync(
                () => Task.FromResult(parseResult.GetValue(seed) is { } one
                    ? RunOne(output, one, settings with { KeepTrace = parseResult.GetValue(trace) }, parseResult.GetValue(trace))
                    : RunMany(output, parseResult.GetValue(seeds), settings, parseResult.GetValue(parallel), cancellationToken)),
                cancellationToken);
        });
        return command;
    }

    private static int RunOne(CliOutput output, int seed, ChaosSettings settings, bool trace)
    {
        var result = ChaosRun.Execute(seed, settings);
        if (trace)
        {
            foreach (var line in result.Trace)
            {
                output.Line(line);
            }
        }

        var summary = ChaosReport.Of(ChaosSummary.Of([result], TimeSpan.Zero));
        if (output.Json)
        {
            output.WriteJson(summary with { TraceHash = result.TraceHash.ToString("x16", CultureInfo.InvariantCulture) }, CliJsonContext.Default.ChaosReport);
        }
        else
        {
            PrintResult(output, result);
            output.Line(string.Create(CultureInfo.InvariantCulture, $"seed {seed}: {(result.Failed ? "FAILED" : "ok")} — {result.Check.EventsChecked} events, {result.Check.Duplicates} duplicates ({result.Check.Takeovers} takeovers), {result.VirtualTime.TotalSeconds:F1} s simulated, trace hash {result.TraceHash:x16}"));
        }

        return result.Failed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static int RunMany(CliOutput output, SeedRange range, ChaosSettings settings, int parallel, CancellationToken cancellationToken)
    {
        var seeds = Enumerable.Range(range.First, range.Last - range.First + 1).ToList();
        var printing = new Lock();
        var summary = ChaosSweep.Run(seeds, settings, parallel, result =>
        {
            if (result.Failed && !output.Json)
            {
                lock (printing)
                {
                    PrintResult(output, result);
                }
            }
        }, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var report = ChaosReport.Of(summary);
        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.ChaosReport);
        }
        else
        {
            output.Line(string.Create(CultureInfo.InvariantCulture,
                $"{report.Runs} runs, {report.Violations} violations, {report.EventsChecked} events checked, max duplicates {report.MaxDuplicates}, {report.ElapsedMs / 1000.0:F1} s"));
            output.Line(string.Create(CultureInfo.InvariantCulture,
                $"lost {report.Lost}, order {report.OrderViolations}, zombie commits accepted {report.ZombieCommitsAccepted}, double ownership {report.DoubleOwnership}, duplicates over window {report.DuplicatesOverWindow}, liveness {report.LivenessFailures}, harness errors {report.HarnessErrors}, determinism leaks {report.DeterminismLeaks}"));
            if (report.FailingSeeds.Count > 0)
            {
                output.Line($"failing seeds: {string.Join(' ', report.FailingSeeds)} — replay one with: shoal chaos --seed N --trace");
            }
        }

        return report.Violations > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static void PrintResult(CliOutput output, ChaosResult result)
    {
        output.Line(string.Create(CultureInfo.InvariantCulture, $"seed {result.Seed}: {result.Check.Violations} violation(s)"));
        foreach (var detail in result.Check.Details)
        {
            output.Line("  " + detail);
        }

        if (result.HarnessError is { } error)
        {
            output.Line("  harness: " + error.Split('\n')[0]);
        }
    }

    private static SeedRange ParseSeeds(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        var parts = token.Split("..", 2);
        if (int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            && (parts.Length == 1 || int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var last = parts.Length == 1 ? first : int.Parse(parts[1], CultureInfo.InvariantCulture);
            if (last >= first && last - first < 10_000_000)
            {
                return new SeedRange(first, last);
            }
        }

        result.AddError($"--seeds: '{token}' is not a seed range; use FIRST..LAST with 0 ≤ FIRST ≤ LAST, e.g. 1..1000.");
        return default;
    }
}

/// <summary>Seeds FIRST..LAST, inclusive.</summary>
internal readonly record struct SeedRange(int First, int Last);

/// <summary>The <c>--json</c> result of <c>shoal chaos</c>.</summary>
internal sealed record ChaosReport
{
    public int Runs { get; init; }

    public int Violations { get; init; }

    public IReadOnlyList<int> FailingSeeds { get; init; } = [];

    public int MaxDuplicates { get; init; }

    public long EventsChecked { get; init; }

    public int Lost { get; init; }

    public int OrderViolations { get; init; }

    public int ZombieCommitsAccepted { get; init; }

    public int DoubleOwnership { get; init; }

    public int DuplicatesOverWindow { get; init; }

    public int LivenessFailures { get; init; }

    public int HarnessErrors { get; init; }

    public int DeterminismLeaks { get; init; }

    public long ElapsedMs { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceHash { get; init; }

    public static ChaosReport Of(ChaosSummary summary) => new()
    {
        Runs = summary.Runs,
        Violations = summary.Violations,
        FailingSeeds = summary.FailingSeeds,
        MaxDuplicates = summary.MaxDuplicates,
        EventsChecked = summary.EventsChecked,
        Lost = summary.Lost,
        OrderViolations = summary.OrderViolations,
        ZombieCommitsAccepted = summary.ZombieCommitsAccepted,
        DoubleOwnership = summary.DoubleOwnership,
        DuplicatesOverWindow = summary.DuplicatesOverWindow,
        LivenessFailures = summary.LivenessFailures,
        HarnessErrors = summary.HarnessErrors,
        DeterminismLeaks = summary.DeterminismLeaks,
        ElapsedMs = (long)summary.Elapsed.TotalMilliseconds,
    };
}
