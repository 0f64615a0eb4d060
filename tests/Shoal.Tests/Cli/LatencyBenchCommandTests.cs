using System.Text.Json;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// <c>shoal bench latency</c> on a private in-process engine, a few hundred milliseconds per rate: a smoke test of the
/// report's shape (every rate, every percentile, in order, above 0), not of the latencies themselves.
/// </summary>
public sealed class LatencyBenchCommandTests
{
    [Fact]
    public async Task Bench_latency_reports_ordered_positive_percentiles_for_each_rate_and_plots_them()
    {
        var plot = Path.Combine(Path.GetTempPath(), "shoal-latency-" + Guid.NewGuid().ToString("N")[..8] + ".svg");
        try
        {
            var result = await VerbRunner.RunAsync(
                ["bench", "latency", "--engine", VerbRunner.NewEngine(), "--rate", "500", "2000", "--duration", "300ms", "--plot", plot, "--json"],
                TestContext.Current.CancellationToken);

            Assert.True(result.ExitCode == 0, result.ToString());
            var lines = result.Json().GetProperty("results");
            Assert.Equal([500.0, 2000.0], lines.EnumerateArray().Select(l => l.GetProperty("rate").GetDouble()));
            foreach (var line in lines.EnumerateArray())
            {
                var published = line.GetProperty("published").GetInt64();
                Assert.Equal(line.GetProperty("rate").GetDouble() * 0.3, published, 1.0);
                Assert.Equal(published, line.GetProperty("handled").GetInt64());
                AssertOrdered(line.GetProperty("latency"), result);
                AssertOrdered(line.GetProperty("fromPublish"), result);
            }

            var svg = await File.ReadAllTextAsync(plot, TestContext.Current.CancellationToken);
            Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
            Assert.Contains("p99.9", svg, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(plot);
        }
    }

    [Fact]
    public async Task Bench_latency_reports_the_raw_channel_baseline_and_the_publisher_settings_for_each_rate()
    {
        var result = await VerbRunner.RunAsync(
            ["bench", "latency", "--engine", VerbRunner.NewEngine(), "--rate", "1000", "--duration", "200ms", "--pacing", "Timer", "--in-flight", "4", "--json"],
            TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = result.Json();
        Assert.Equal("timer", report.GetProperty("pacing").GetString());
        Assert.Equal(4, report.GetProperty("inFlight").GetInt32());
        var line = Assert.Single(report.GetProperty("results").EnumerateArray());
        var raw = line.GetProperty("raw");
        AssertOrdered(raw.GetProperty("latency"), result);
        AssertOrdered(raw.GetProperty("sendLag"), result);
        Assert.True(raw.GetProperty("gcPauseMs").GetDouble() >= 0, result.ToString());
        Assert.True(line.GetProperty("cpuLoad").GetDouble() > 0, result.ToString());
    }

    [Theory]
    [InlineData("--pacing", "fast", "--pacing: 'fast' is not one of sleep, spin, timer")]
    [InlineData("--pacing", "1", "--pacing: '1' is not one of")]
    [InlineData("--in-flight", "0", "--in-flight: must be between 1")]
    [InlineData("--rate", "0", "--rate: must be more than 0")]
    [InlineData("--rate", "-5", "--rate: must be more than 0")]
    [InlineData("--rate", "fast", "--rate: 'fast' is not a number")]
    [InlineData("--duration", "soon", "--duration:")]
    [InlineData("--duration", "0s", "--duration: must be more than 0")]
    [InlineData("--handler-ms", "-1", "--handler-ms: must be between 0")]
    [InlineData("--engine", "carrier-pigeon://x", "--engine:")]
    public async Task Bench_latency_refuses_a_bad_option_with_one_error_naming_it(string option, string value, string expected)
    {
        var result = await VerbRunner.RunAsync(["bench", "latency", option, value], TestContext.Current.CancellationToken);

        result.AssertOneUsageError(expected, "bench latency");
    }

    private static void AssertOrdered(JsonElement percentiles, VerbResult result)
    {
        var values = new[] { "p50Ms", "p90Ms", "p99Ms", "p999Ms", "maxMs" }.Select(p => percentiles.GetProperty(p).GetDouble()).ToArray();
        Assert.True(values[0] > 0, $"p50 not positive: {result}");
        for (var i = 1; i < values.Length; i++)
        {
            Assert.True(values[i - 1] <= values[i], $"percentiles out of order ({string.Join(", ", values)}): {result}");
        }
    }
}
