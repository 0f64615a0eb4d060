using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Shoal.Cli.Infrastructure;
using Shoal.Simulation.Autoscaling;

namespace Shoal.Cli.Autoscaling;

/// <summary>
/// <c>shoal autoscale-sim</c>: runs the autoscaling policy against a load profile on virtual time, compares its cost
/// with an oracle that knows the load, checks issue 8's targets and optionally draws the run.
/// </summary>
internal static class AutoscaleSimCommand
{
    public static Command Create()
    {
        var defaults = new AutoscaleSimSettings();
        var profile = new Option<LoadProfileKind>("--profile")
        {
            Description = "Load shape: step (4x at 120 s), spike (4x for 60 s), sine (1x-4x, 600 s period), noisy (±20 % around 2.5x)",
            DefaultValueFactory = _ => LoadProfileKind.Step,
            CustomParser = ParseProfile,
            HelpName = "step|spike|sine|noisy",
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the load noise (same seed, same run)",
            DefaultValueFactory = _ => defaults.Seed,
        };
        var seconds = new Option<int>("--seconds")
        {
            Description = "Virtual seconds to simulate (default: 900, sine 1800)",
            DefaultValueFactory = _ => 0,
        }.InRange(0, 86_400);
        var startup = DurationOptions.Create("--startup", defaults.StartupDelay, "Time from asking for a member to its handling events");
        var baseRate = new Option<double>("--base-rate")
        {
            Description = "Base arrivals in events/s (profiles are multiples of it)",
            DefaultValueFactory = _ => defaults.BaseRate,
        }.InRange(1, 1e9);
        var memberRate = new Option<double>("--member-rate")
        {
            Description = "Events/s one busy member handles",
            DefaultValueFactory = _ => defaults.MemberRate,
        }.InRange(0.001, 1e9);
        var partitions = new Option<int>("--partitions")
        {
            Description = "Partitions of the topic (members beyond it get no work); also the policy's --max unless given",
            DefaultValueFactory = _ => defaults.Partitions,
        }.InRange(1, 100_000);
        var max = new Option<int?>("--max")
        {
            Description = "Most members the policy may ask for (default: the partition count)",
        };
        var policy = new PolicyOptions(defaults.Policy);
        var plot = new Option<string?>("--plot")
        {
            Description = "Write an SVG of arrivals, members (and the oracle's) and lag over time to this file",
            HelpName = "FILE.svg",
        }.Check(path => path is null || path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"writes an SVG image; give a file name ending in .svg; was '{path}'.");
        var json = CliOutput.CreateJsonOption();

        var command = new Command("autoscale-sim", "Run the autoscaling policy against a load profile on virtual time, compare it with an oracle and check the targets")
        {
            profile, seed, seconds, startup, baseRate, memberRate, partitions, max, plot, json,
        };
        foreach (var option in policy.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            var partitionCount = parseResult.GetValue(partitions);
            var settings = defaults with
            {
                Profile = parseResult.GetValue(profile),
                Seed = parseResult.GetValue(seed),
                Seconds = parseResult.GetValue(seconds),
                StartupDelay = parseResult.GetValue(startup),
                BaseRate = parseResult.GetValue(baseRate),
                MemberRate = parseResult.GetValue(memberRate),
                Partitions = partitionCount,
                Policy = policy.Apply(parseResult, defaults.Policy) with { MaxMembers = parseResult.GetValue(max) ?? partitionCount },
            };
            return output.RunAsync(() =>
            {
                settings.Policy.Validate();
                return Task.FromResult(Run(settings, parseResult.GetValue(plot), output));
            }, cancellationToken);
        });
        return command;
    }

    private static int Run(AutoscaleSimSettings settings, string? plotPath, CliOutput output)
    {
        var result = AutoscaleSimulation.Run(settings);
        string? written = null;
        if (!string.IsNullOrWhiteSpace(plotPath))
        {
            written = Path.GetFullPath(plotPath);
            try
            {
                var directory = Path.GetDirectoryName(written);
                if (!string.IsNullOrEmpty(directory))
                {
                    Directory.CreateDirectory(directory);
                }

                SimPlot.SaveSvg(result, written);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ShoalException($"--plot: cannot write '{written}': {e.Message}");
            }
        }

        var report = AutoscaleSimReport.From(result, written);
        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.AutoscaleSimReport);
        }
        else
        {
            Print(output, report, result);
        }

        return report.TargetsMet ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static void Print(CliOutput output, AutoscaleSimReport report, AutoscaleSimResult result)
    {
        var c = CultureInfo.InvariantCulture;
        output.Line(string.Create(c, $"profile {report.Profile} (seed {report.Seed}), {report.Seconds} s virtual, target lag {report.TargetLag:N0}"));
        output.Line(string.Create(c, $"  max lag              {report.MaxLag:N0} events"));
        output.Line(string.Create(c, $"  seconds to recover   {(report.SecondsToRecover is { } s ? s.ToString(c) : "-")}"));
        output.Line(string.Create(c, $"  scale events         {report.ScaleEvents} ({report.DirectionChanges} direction changes, at most {report.MaxDirectionChangesPerWindow} per window)"));
        output.Line(string.Create(c, $"  peak members         {report.PeakMembers}"));
        output.Line(string.Create(c, $"  member-seconds       {report.MemberSeconds:N0} (oracle {report.OracleMemberSeconds:N0}, ratio {report.CostRatio:0.000})"));
        foreach (var change in result.Changes.Take(40))
        {
            var at = (change.At - AutoscaleSimulation.Epoch).TotalSeconds;
            output.Line(string.Create(c, $"    t={at,5:0}s  {change.CurrentMembers,3} -> {change.DesiredMembers,3}  lag {change.Lag,8:N0}  ({change.Reason})"));
        }

        foreach (var target in report.Targets)
        {
            output.Line(string.Create(c, $"  {(target.Met ? "ok  " : "MISS")} {target.Name}: {(target.Value is { } v ? v.ToString("0.###", c) : "never")} (limit {target.Limit.ToString("0.###", c)}; {target.Description})"));
        }

        if (report.Plot is { } plot)
        {
            output.Line($"  plot: {plot}");
        }
    }

    private static LoadProfileKind ParseProfile(ArgumentResult result) =>
        EnumTokens.Parse<LoadProfileKind>(result, "--profile", "a load profile", "step, spike, sine or noisy");
}
