using Shoal.Cli.Autoscaling;
using Shoal.Scenarios.Bench;

namespace Shoal.Cli.Bench;

/// <summary>Draws <c>shoal bench latency</c>'s percentiles against the rate (log10 x axis: rates span decades) as an SVG.</summary>
internal static class LatencyPlot
{
    public static SvgChart Create(LatencyBenchReport report)
    {
        var lines = report.Results.OrderBy(l => l.Rate).ToList();
        var x = lines.Select(l => Math.Log10(l.Rate)).ToArray();
        var chart = new SvgChart(900, 600, $"shoal bench latency --engine {report.Engine}: publish to handler start ({report.DurationSeconds:0.###} s per rate)")
        {
            XLabel = "rate (log10 events/s: 3 = 1,000, 4 = 10,000, 5 = 100,000)",
            XMin = x.Length == 0 ? 0 : Math.Floor(x.Min()),
            XMax = x.Length == 0 ? 1 : Math.Max(Math.Floor(x.Min()) + 1, Math.Ceiling(x.Max())),
        };
        var panel = chart.AddPanel("latency (ms)", SvgLegendCorner.UpperLeft);
        panel.AddLine("p50", x, lines.Select(l => l.Latency.P50Ms).ToArray(), "#4682B4");
        panel.AddLine("p90", x, lines.Select(l => l.Latency.P90Ms).ToArray(), "#2E8B57");
        panel.AddLine("p99", x, lines.Select(l => l.Latency.P99Ms).ToArray(), "#FF8C00");
        panel.AddLine("p99.9", x, lines.Select(l => l.Latency.P999Ms).ToArray(), "#DC143C");
        panel.AddLine("max", x, lines.Select(l => l.Latency.MaxMs).ToArray(), "#808080", SvgLinePattern.Dashed);
        panel.AddLine("raw channel p99", x, lines.Select(l => l.Raw.Latency.P99Ms).ToArray(), "#9370DB", SvgLinePattern.Dashed);
        return chart;
    }
}
