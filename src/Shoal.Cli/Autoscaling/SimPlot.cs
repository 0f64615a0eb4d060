using ScottPlot;
using Shoal.Simulation.Autoscaling;

namespace Shoal.Cli.Autoscaling;

/// <summary>Draws a run as a PNG with three stacked panels on one time axis: arrivals, members (and the oracle's), lag.</summary>
internal static class SimPlot
{
    public const int Width = 1200;
    public const int Height = 900;

    public static void SavePng(AutoscaleSimResult result, string path)
    {
        var timeline = result.Timeline;
        var t = timeline.Select(s => (double)s.T).ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        var load = multiplot.GetPlot(0);
        var members = multiplot.GetPlot(1);
        var lag = multiplot.GetPlot(2);

        var profile = result.Settings.Profile.ToString().ToLowerInvariant();
        load.Title($"shoal autoscale-sim --profile {profile} --seed {result.Settings.Seed}: "
            + $"cost {result.MemberSeconds:N0} member-s (oracle {result.OracleMemberSeconds:N0}), "
            + $"{result.DirectionChanges} direction change(s)");
        var arrivals = load.Add.Scatter(t, timeline.Select(s => s.Arrivals).ToArray());
        Style(arrivals, "arrivals (events/s)", Colors.SteelBlue);
        var capacity = load.Add.Scatter(t, timeline.Select(s => Math.Min(s.Ready, result.Settings.Partitions) * result.Settings.MemberRate).ToArray());
        Style(capacity, "capacity of working members (events/s)", Colors.DarkOrange);
        capacity.ConnectStyle = ConnectStyle.StepHorizontal;
        load.YLabel("events/s");
        load.ShowLegend(Alignment.UpperLeft);

        var asked = members.Add.Scatter(t, timeline.Select(s => (double)s.Members).ToArray());
        Style(asked, "members (policy)", Colors.DarkOrange);
        asked.ConnectStyle = ConnectStyle.StepHorizontal;
        var oracle = members.Add.Scatter(t, timeline.Select(s => (double)s.OracleMembers).ToArray());
        Style(oracle, "members (oracle, knows the load)", Colors.Gray);
        oracle.ConnectStyle = ConnectStyle.StepHorizontal;
        oracle.LinePattern = LinePattern.Dashed;
        members.YLabel("members");
        members.Axes.SetLimitsY(0, Math.Max(timeline.Max(s => s.Members), timeline.Max(s => s.OracleMembers)) * 1.15);
        members.ShowLegend(Alignment.UpperLeft);

        var lagLine = lag.Add.Scatter(t, timeline.Select(s => s.Lag).ToArray());
        Style(lagLine, "lag (events)", Colors.Crimson);
        var target = lag.Add.HorizontalLine(result.Settings.Policy.TargetLag);
        target.LineColor = Colors.Black;
        target.LinePattern = LinePattern.Dotted;
        target.LegendText = "target lag";
        lag.YLabel("lag (events)");
        lag.XLabel("time (s, virtual)");
        lag.ShowLegend(Alignment.UpperRight);

        multiplot.SharedAxes.ShareX([load, members, lag]);
        foreach (var plot in new[] { load, members, lag })
        {
            plot.Axes.SetLimitsX(0, t.Length);
        }

        multiplot.SavePng(path, Width, Height);
    }

    private static void Style(ScottPlot.Plottables.Scatter scatter, string label, Color color)
    {
        scatter.LegendText = label;
        scatter.Color = color;
        scatter.MarkerSize = 0;
        scatter.LineWidth = 2;
    }
}
