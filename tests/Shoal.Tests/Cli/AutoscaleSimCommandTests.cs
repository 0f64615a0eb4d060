using System.Text.Json;
using Shoal.Cli;
using SkiaSharp;
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
    public async Task Plot_writes_a_readable_png_with_the_series_drawn()
    {
        var directory = Directory.CreateTempSubdirectory("shoal-autoscale-");
        try
        {
            var path = Path.Combine(directory.FullName, "sub", "step.png");
            var (exitCode, stdout, stderr) = await RunAsync("autoscale-sim", "--profile", "spike", "--plot", path);

            Assert.True(exitCode is 0 or 1, stderr);
            Assert.Contains(path, stdout);
            using var bitmap = SKBitmap.Decode(path);
            Assert.NotNull(bitmap);
            Assert.Equal(1200, bitmap.Width);
            Assert.Equal(900, bitmap.Height);

            // The lag line (crimson) and the members line (dark orange) are really drawn.
            var colors = new HashSet<SKColor>();
            for (var y = 0; y < bitmap.Height; y += 2)
            {
                for (var x = 0; x < bitmap.Width; x += 2)
                {
                    colors.Add(bitmap.GetPixel(x, y));
                }
            }

            Assert.Contains(new SKColor(0xDC, 0x14, 0x3C), colors);
            Assert.Contains(new SKColor(0xFF, 0x8C, 0x00), colors);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
