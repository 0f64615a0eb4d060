using Shoal.Simulation.Autoscaling;

namespace Shoal.Cli.Autoscaling;

/// <summary>Draws a run as an SVG with three stacked panels on one time axis: arrivals, members (and the oracle's), lag.</summary>
internal static class SimPlot
{
    public const int Width = 1200;
    public const int Height = 900;

    // CSS named colours (steelblue, darkorange, gray, crimson, black), as hex so any SVG viewer draws them alike.
    private const string SteelBlue = "#4682B4";
    private const string DarkOrange = "#FF8C00";
    private const string Gray = "#808080";
    private const string Crimson = "#DC143C";
    private const string Black = "#000000";

    public static void SaveSvg(AutoscaleSimResult result, string path) => Create(result).Save(path);

    internal static SvgChart Create(AutoscaleSimResult result)
    {
        var timeline = result.Timeline;
        var t = timeline.Select(s => (double)s.T).ToArray();
        var profile = result.Settings.Profile.ToString().ToLowerInvariant();
        var chart = new SvgChart(Width, Height,
            $"shoal autoscale-sim --profile {profile} --seed {result.Settings.Seed}: "
            + $"cost {result.MemberSeconds:N0} member-s (oracle {result.OracleMemberSeconds:N0}), "
            + $"{result.DirectionChanges} direction change(s)")
        {
            XLabel = "time (s, virtual)",
            XMin = 0,
            XMax = Math.Max(1, t.Length),
        };

        var load = chart.AddPanel("events/s", SvgLegendCorner.UpperLeft);
        load.AddLine("arrivals (events/s)", t, timeline.Select(s => s.Arrivals).ToArray(), SteelBlue);
        load.AddLine("capacity of working members (events/s)", t,
            timeline.Select(s => Math.Min(s.Ready, result.Settings.Partitions) * result.Settings.MemberRate).ToArray(),
            DarkOrange, stepped: true);

        var members = chart.AddPanel("members", SvgLegendCorner.UpperLeft);
        members.AddLine("members (policy)", t, timeline.Select(s => (double)s.Members).ToArray(), DarkOrange, stepped: true);
        members.AddLine("members (oracle, knows the load)", t, timeline.Select(s => (double)s.OracleMembers).ToArray(), Gray,
            SvgLinePattern.Dashed, stepped: true);
        if (timeline.Count > 0)
        {
            members.YLimits = (0, Math.Max(1, Math.Max(timeline.Max(s => s.Members), timeline.Max(s => s.OracleMembers))) * 1.15);
        }

        var lag = chart.AddPanel("lag (events)", SvgLegendCorner.UpperRight);
        lag.AddLine("lag (events)", t, timeline.Select(s => s.Lag).ToArray(), Crimson);
        lag.AddHorizontalLine("target lag", result.Settings.Policy.TargetLag, Black, SvgLinePattern.Dotted);
        return chart;
    }
}
