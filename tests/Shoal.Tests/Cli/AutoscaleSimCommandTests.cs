using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Shoal.Cli;
using Xunit;

namespace Shoal.Tests.Cli;

public sealed class AutoscaleSimCommandTests
{
    private static async Task<(int ExitCode, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ShoalCli.InvokeAsync(args, null, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Json_last_line_carries_the_numbers_and_target_checks()
    {
        var (exitCode, stdout, _) = await RunAsync("autoscale-sim", "--profile", "step", "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
        var root = json.RootElement;
        Assert.Equal("step", root.GetProperty("profile").GetString());
        Assert.True(root.GetProperty("maxLag").GetDouble() > 0);
        Assert.True(root.GetProperty("secondsToRecover").GetInt32() > 0);
        Assert.True(root.GetProperty("directionChanges").GetInt32() >= 0);
        Assert.True(root.GetProperty("memberSeconds").GetInt64() > root.GetProperty("oracleMemberSeconds").GetInt64());
        var targets = root.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Equal(["recoverWithinTwoScaleUpWindows", "directionChangesPerWindow", "costVsOracle"], targets);
        Assert.True(root.GetProperty("targetsMet").GetBoolean());
    }

    [Fact]
    public async Task A_missed_target_exits_1()
    {
        var (exitCode, stdout, _) = await RunAsync("autoscale-sim", "--profile", "noisy", "--scale-up-window", "0", "--scale-down-window", "0", "--cooldown", "0", "--json");

        Assert.Equal(1, exitCode);
        Assert.Contains("\"targetsMet\":false", stdout);
    }

    [Theory]
    [InlineData("--profile", "ramp", "--profile: 'ramp' is not a load profile")]
    [InlineData("--partitions", "0", "--partitions: must be between 1")]
    [InlineData("--scale-up-window", "15", "--scale-up-window")]
    [InlineData("--max", "0", "--max: must be")]
    [InlineData("--deep-drop", "1", "--deep-drop: must be between 0 and 0.99")]
    public async Task Bad_options_exit_2_naming_the_option(string option, string value, string message)
    {
        var (exitCode, stdout, stderr) = await RunAsync("autoscale-sim", option, value);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, stderr);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public async Task Deep_drop_0_restores_the_long_window_and_misses_the_spike_cost_target()
    {
        var (withExit, withOut, _) = await RunAsync("autoscale-sim", "--profile", "spike", "--json");
        var (withoutExit, withoutOut, _) = await RunAsync("autoscale-sim", "--profile", "spike", "--deep-drop", "0", "--json");

        Assert.Equal((0, 1), (withExit, withoutExit));
        using var with = JsonDocument.Parse(withOut.TrimEnd().Split('\n')[^1]);
        using var without = JsonDocument.Parse(withoutOut.TrimEnd().Split('\n')[^1]);
        Assert.True(with.RootElement.GetProperty("costRatio").GetDouble() <= 1.3);
        Assert.True(without.RootElement.GetProperty("costRatio").GetDouble() > 1.3);
    }

    [Fact]
    public async Task Plot_writes_an_svg_with_the_series_axes_and_legend_drawn()
    {
        var directory = Directory.CreateTempSubdirectory("shoal-autoscale-");
        try
        {
            var path = Path.Combine(directory.FullName, "sub", "step.svg");
            var (exitCode, stdout, stderr) = await RunAsync("autoscale-sim", "--profile", "spike", "--plot", path);

            Assert.True(exitCode is 0 or 1, stderr);
            Assert.Contains(path, stdout);
            var svg = XDocument.Load(path).Root!;
            XNamespace ns = "http://www.w3.org/2000/svg";
            Assert.Equal(ns + "svg", svg.Name);
            Assert.Equal("1200", (string?)svg.Attribute("width"));
            Assert.Equal("900", (string?)svg.Attribute("height"));

            // Every line the plot promises is drawn inside the picture, with its colour: arrivals (steel blue),
            // capacity and members (dark orange), the oracle (gray), lag (crimson) and the target lag (black).
            var lines = svg.Descendants(ns + "polyline")
                .Select(l => (Stroke: (string)l.Attribute("stroke")!, Points: Points((string)l.Attribute("points")!)))
                .ToList();
            Assert.Equal(["#4682B4", "#FF8C00", "#FF8C00", "#808080", "#DC143C", "#000000"], lines.Select(l => l.Stroke));
            Assert.All(lines, l => Assert.All(l.Points, p => Assert.True(p.X is >= 0 and <= 1200 && p.Y is >= 0 and <= 900, $"{l.Stroke} {p}")));
            var lag = lines.Single(l => l.Stroke == "#DC143C").Points;
            Assert.Equal(900, lag.Count); // one vertex per simulated second of the spike profile
            Assert.True(lag.Select(p => p.Y).Distinct().Count() > 10, "the lag line is flat");

            var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
            foreach (var label in new[]
            {
                "arrivals (events/s)", "capacity of working members (events/s)", "members (policy)",
                "members (oracle, knows the load)", "lag (events)", "target lag", "events/s", "members", "time (s, virtual)",
            })
            {
                Assert.Contains(label, texts);
            }

            Assert.Contains(texts, t => t.StartsWith("shoal autoscale-sim --profile spike --seed ", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Plot_to_a_file_that_is_not_svg_exits_2_naming_the_option()
    {
        var (exitCode, stdout, stderr) = await RunAsync("autoscale-sim", "--profile", "step", "--plot", "plot.png");

        Assert.Equal(2, exitCode);
        Assert.Contains("--plot: writes an SVG image; give a file name ending in .svg; was 'plot.png'", stderr);
        Assert.Equal(string.Empty, stdout);
    }

    private static List<(double X, double Y)> Points(string points) =>
        points.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToList();
}
