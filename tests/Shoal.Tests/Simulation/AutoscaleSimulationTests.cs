using Shoal.Cluster.Autoscaling;
using Shoal.Simulation.Autoscaling;
using Xunit;

namespace Shoal.Tests.Simulation;

/// <summary>Issue 8's targets, checked on the simulator with the default policy and fixed seeds.</summary>
public sealed class AutoscaleSimulationTests
{
    private static readonly AutoscaleSimSettings Defaults = new();

    private static AutoscaleSimResult Run(LoadProfileKind profile, int seed = 1, AutoscaleOptions? policy = null) =>
        AutoscaleSimulation.Run(Defaults with { Profile = profile, Seed = seed, Policy = policy ?? Defaults.Policy });

    [Theory]
    [InlineData("Step")]
    [InlineData("Spike")]
    public void A_4x_step_is_back_under_the_target_lag_within_two_scale_up_windows(string profile)
    {
        var result = Run(Enum.Parse<LoadProfileKind>(profile));

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
    [InlineData("Spike")]
    [InlineData("Sine")]
    [InlineData("Noisy")]
    public void Member_seconds_stay_within_1_3x_of_the_oracle(string profile)
    {
        var result = Run(Enum.Parse<LoadProfileKind>(profile));

        var ratio = (double)result.MemberSeconds / result.OracleMemberSeconds;
        Assert.True(ratio <= 1.3, $"{profile}: {result.MemberSeconds} member-s vs oracle {result.OracleMemberSeconds} ({ratio:0.000})");
    }

    [Fact]
    public void Without_the_deep_drop_shortcut_a_spike_shorter_than_the_scale_down_window_costs_more_than_1_3x_the_oracle()
    {
        // The control for the spike's cost: with DeepDropFraction 0 the members added for the 60 s spike stay for the
        // 120 s scale-down window after it, as HPA's rule would keep them.
        var without = Run(LoadProfileKind.Spike, policy: Defaults.Policy with { DeepDropFraction = 0 });
        var with = Run(LoadProfileKind.Spike);

        Assert.True((double)without.MemberSeconds / without.OracleMemberSeconds > 1.3, $"{without.MemberSeconds} vs {without.OracleMemberSeconds}");
        Assert.DoesNotContain(without.Changes, c => c.Reason == AutoscaleReason.DeepDrop);
        Assert.Single(with.Changes, c => c.Reason == AutoscaleReason.DeepDrop);
        Assert.Equal(without.MaxLag, with.MaxLag);
    }

    [Theory]
    [InlineData(5, 1)]
    [InlineData(30, 2)]
    [InlineData(90, 3)]
    public void Noise_of_20_percent_is_never_taken_for_a_deep_drop_even_when_it_holds_for_a_while(int holdSeconds, int seed)
    {
        // ±20 % around 2500/s, each value held for holdSeconds: a trough of noise that outlasts the short window.
        var random = new Random(seed);
        var rates = new double[900];
        for (var t = 0; t < rates.Length; t++)
        {
            rates[t] = t % holdSeconds == 0 ? 2_500 * (1 + (0.2 * ((2 * random.NextDouble()) - 1))) : rates[t - 1];
        }

        var load = LoadProfile.FromRates(rates);
        var with = AutoscaleSimulation.Run(Defaults, new AutoscalePolicy(Defaults.Policy), load);
        var without = AutoscaleSimulation.Run(Defaults, new AutoscalePolicy(Defaults.Policy with { DeepDropFraction = 0 }), load);

        Assert.DoesNotContain(with.Changes, c => c.Reason == AutoscaleReason.DeepDrop);
        Assert.Equal(without.Timeline, with.Timeline);
    }

    [Fact]
    public void A_train_of_bursts_closer_than_the_scale_down_window_costs_one_lost_bet_then_the_long_window_holds()
    {
        // 4x for 30 s every 90 s: each gap outlasts the short window, so the first one looks like a new level.
        var load = LoadProfile.FromRates(Enumerable.Range(0, 1800).Select(t => t >= 120 && (t - 120) % 90 < 30 ? 4_000.0 : 1_000.0));

        var result = AutoscaleSimulation.Run(Defaults, new AutoscalePolicy(Defaults.Policy), load);
        var longWindowOnly = AutoscaleSimulation.Run(Defaults, new AutoscalePolicy(Defaults.Policy with { DeepDropFraction = 0 }), load);

        // One deep drop, the burst after it scales up again, and from then on the count holds as with the long window alone.
        Assert.Single(result.Changes, c => c.Reason == AutoscaleReason.DeepDrop);
        Assert.Equal(longWindowOnly.Changes.Count + 3, result.Changes.Count);
        Assert.Equal(longWindowOnly.Timeline[^1].Members, result.Timeline[^1].Members);
        Assert.True(result.Changes[^1].At < AutoscaleSimulation.Epoch.AddSeconds(300), $"last change at {result.Changes[^1].At:O}");
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
