using System.CommandLine;
using System.Globalization;
using Shoal.Cli.Infrastructure;
using Shoal.Cluster.Autoscaling;

namespace Shoal.Cli.Autoscaling;

/// <summary>
/// The stabilization options of the autoscaling policy, with the same names, help and defaults in every verb that runs
/// it (<c>autoscale-sim</c>, <c>supervise</c>).
/// </summary>
internal sealed class PolicyOptions
{
    public PolicyOptions(AutoscaleOptions defaults)
    {
        UpWindow = DurationOptions.Create("--scale-up-window", defaults.ScaleUpWindow, "Scale up only to the lowest recommendation of this window");
        DownWindow = DurationOptions.Create("--scale-down-window", defaults.ScaleDownWindow, "Scale down only to the highest recommendation of this window");
        Cooldown = DurationOptions.Create("--cooldown", defaults.Cooldown, "No change sooner than this after the previous one");
        Drain = DurationOptions.Create("--drain-time", defaults.TargetDrainTime, "Backlog above the target lag should drain within this");
        DeepDrop = new Option<double>("--deep-drop")
        {
            Description = "Once the lag is drained, scale down after the scale-up window (not the scale-down window) when the arrivals "
                + $"need at most this fraction of the members; 0 turns it off (default {defaults.DeepDropFraction.ToString(CultureInfo.InvariantCulture)})",
            DefaultValueFactory = _ => defaults.DeepDropFraction,
        }.InRange(0, 0.99);
    }

    public Option<TimeSpan> UpWindow { get; }

    public Option<TimeSpan> DownWindow { get; }

    public Option<TimeSpan> Cooldown { get; }

    public Option<TimeSpan> Drain { get; }

    public Option<double> DeepDrop { get; }

    public IEnumerable<Option> All => [UpWindow, DownWindow, Cooldown, Drain, DeepDrop];

    /// <summary><paramref name="options"/> with the parsed values.</summary>
    public AutoscaleOptions Apply(ParseResult parseResult, AutoscaleOptions options) => options with
    {
        ScaleUpWindow = parseResult.GetValue(UpWindow),
        ScaleDownWindow = parseResult.GetValue(DownWindow),
        Cooldown = parseResult.GetValue(Cooldown),
        TargetDrainTime = parseResult.GetValue(Drain),
        DeepDropFraction = parseResult.GetValue(DeepDrop),
    };
}
