using Shoal.Scenarios.Bench;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>How <c>shoal bench scaling</c> turns committed-offset samples into a rate.</summary>
public sealed class ScalingBenchTests
{
    [Fact]
    public void The_rate_is_the_least_squares_slope_so_commit_steps_do_not_decide_it()
    {
        // 1,000 events/s committed in steps every 0.25 s, sampled at uneven times, plus a constant start.
        var samples = new List<(double Seconds, long Committed)>();
        for (var t = 0.0; t <= 10; t += 0.3)
        {
            samples.Add((t, 5_000 + (long)(Math.Floor(t / 0.25) * 250)));
        }

        Assert.InRange(ScalingBench.Slope(samples), 980, 1020);
        Assert.Equal(0, ScalingBench.Slope([(1, 10), (1, 20)]));
    }

    [Fact]
    public void A_line_reads_as_met_or_missed_against_n_times_one_worker()
    {
        Assert.Contains("(baseline)", ScalingBench.Format(new ScalingBenchLine(1, 100, 1000, 1000, 1, true)), StringComparison.Ordinal);
        Assert.Contains("0.95x (target 0.8x met)", ScalingBench.Format(new ScalingBenchLine(4, 100, 3800, 950, 0.95, true)), StringComparison.Ordinal);
        Assert.Contains("0.50x (target 0.8x MISSED)", ScalingBench.Format(new ScalingBenchLine(2, 100, 1000, 500, 0.5, false)), StringComparison.Ordinal);
    }
}
