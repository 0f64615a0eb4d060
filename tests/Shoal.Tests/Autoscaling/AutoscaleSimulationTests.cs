using Shoal.Cli.Autoscaling;
using Shoal.Cluster.Autoscaling;
using Xunit;

namespace Shoal.Tests.Autoscaling;

/// <summary>Issue 8's targets, checked on the simulator with the default policy and fixed seeds.</summary>
public sealed class AutoscaleSimulationTests
{
    private static readonly AutoscaleSimSettings Defaults = new();

    private static AutoscaleSimResult Run(LoadProfileKind profile, int seed = 1, AutoscaleOptions? policy = null) =>
        AutoscaleSimulation.Run(Defaults with { Profile = profile, Seed = seed, Policy = policy ?? Defaults.Policy });

    [Fact]
    public void A_4x_step_is_back_under_the_target_lag_within_two_scale_up_windows()
    {
        var result = Run(LoadProfileKind.Step);

        Assert.True(result.MaxLag > Defaults.Policy.TargetLag, "the step must push lag over the target, or the test proves nothing");
        Assert.NotNull(result.SecondsToRecover);
        Assert.InRange(result.SecondsToRecover.Value, 1, 2 * Defaults.Policy.ScaleUpWindow.TotalSeconds);
    }

    [Fact]
    public void A_policy_that_drains_slowly_misses_the_recovery_target()
    {
        // The control for the test above: same load, a drain target of 60 s instead of 10 s.
        var result = Run(LoadProfileKind.Step, policy: Defaults.Policy with { TargetDrainTime = TimeSpan.FromSeconds(60) });

        Assert.True(result.SecondsToRecover is null || result.SecondsToRecover > 2 * Defaults.Policy.ScaleUpWindow.TotalSeconds,
            $"recovered in {result.SecondsToRecover} s");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Noisy_load_changes_scaling_direction_at_most_once_per_stabilization_window(int seed)
    {
        var result = Run(LoadProfileKind.Noisy, seed);

        Assert.InRange(result.MaxDirectionChangesPerWindow, 0, 1);
    }

    [Fact]
    public void Without_stabilization_the_same_noisy_load_flaps()
    {
        var unstabilized = Defaults.Policy with { ScaleUpWindow = TimeSpan.Zero, ScaleDownWindow = TimeSpan.Zero, Cooldown = TimeSpan.Zero, Tolerance = 0 };

        var result = Run(LoadProfileKind.Noisy, 1, unstabilized);

        Assert.True(result.MaxDirectionChangesPerWindow > 10, $"{result.MaxDirectionChangesPerWindow} reversals in a window");
    }

    [Theory]
    [InlineData("Step")]
    [InlineData("Sine")]
    [InlineData("Noisy")]
    public void Member_seconds_stay_within_1_3x_of_the_oracle(string profile)
    {
        var result = Run(Enum.Parse<LoadProfileKind>(profile));

        var ratio = (double)result.MemberSeconds / result.OracleMemberSeconds;
        Assert.True(ratio <= 1.3, $"{profile}: {result.MemberSeconds} member-s vs oracle {result.OracleMemberSeconds} ({ratio:0.000})");
    }

    [Fact]
    public void A_spike_shorter_than_the_scale_down_window_costs_more_than_1_3x_the_oracle()
    {
        // A known miss, kept visible: members added for a 60 s spike stay for the 120 s scale-down window.
        // A shorter window is cheaper here and flappier elsewhere (docs/autoscaling.md).
        var result = Run(LoadProfileKind.Spike);

        Assert.True((double)result.MemberSeconds / result.OracleMemberSeconds > 1.3);
        Assert.True((double)Run(LoadProfileKind.Spike, policy: Defaults.Policy with { ScaleDownWindow = TimeSpan.FromSeconds(30) }).MemberSeconds
            < result.MemberSeconds);
    }

    [Fact]
    public void The_oracle_keeps_lag_under_the_target_and_costs_no_more_than_the_policy_on_a_step()
    {
        var result = Run(LoadProfileKind.Step);

        Assert.All(result.Timeline, s => Assert.True(s.OracleLag <= Defaults.Policy.TargetLag + 1e-6, $"oracle lag {s.OracleLag} at {s.T}"));
        Assert.True(result.OracleMemberSeconds < result.MemberSeconds);
    }

    [Fact]
    public void The_oracle_starts_members_a_startup_delay_before_the_step()
    {
        var result = Run(LoadProfileKind.Step);
        var step = (int)LoadProfile.StepAt.TotalSeconds;
        var startup = (int)Defaults.StartupDelay.TotalSeconds;

        Assert.True(result.Timeline[step - startup].OracleMembers > result.Timeline[step - startup - 1].OracleMembers);
    }

    [Fact]
    public void Runs_are_deterministic_per_seed()
    {
        var a = Run(LoadProfileKind.Noisy, 7);
        var b = Run(LoadProfileKind.Noisy, 7);
        var c = Run(LoadProfileKind.Noisy, 8);

        Assert.Equal(a.Timeline, b.Timeline);
        Assert.NotEqual(a.Timeline.Select(s => s.Arrivals), c.Timeline.Select(s => s.Arrivals));
    }

    [Fact]
    public void Members_never_exceed_the_partition_count()
    {
        var result = AutoscaleSimulation.Run(Defaults with { Partitions = 16, Policy = Defaults.Policy with { MaxMembers = 100 } });

        Assert.All(result.Timeline, s => Assert.InRange(s.Members, 1, 16));
    }

    [Fact]
    public void Direction_changes_are_counted_per_window()
    {
        static AutoscaleDecision Change(int second, int from, int to) =>
            new(AutoscaleSimulation.Epoch.AddSeconds(second), from, to, to, 0, 0, 100, AutoscaleReason.ScaleUp);

        var changes = new[] { Change(0, 1, 2), Change(10, 2, 1), Change(20, 1, 2), Change(200, 2, 1) };

        var (total, perWindow) = AutoscaleSimulation.DirectionChanges(changes, TimeSpan.FromSeconds(120));

        Assert.Equal(3, total);
        Assert.Equal(2, perWindow);
    }
}
