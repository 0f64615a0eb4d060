using Shoal.Cluster;
using Xunit;

namespace Shoal.Tests.Cluster;

public sealed class HealthMonitorTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Beat = TimeSpan.FromSeconds(3);

    // Window of one sample, so each sample's error rate stands alone and only hysteresis decides.
    private static readonly HealthOptions OneSampleWindow = HealthOptions.Default with { ErrorRateWindow = 1 };

    private static HealthSample Errors(long failed, long succeeded) => new(succeeded, failed, null, false);

    private static readonly HealthSample Good = new(100, 0, null, false);

    private static readonly HealthSample Bad = new(70, 30, null, false); // 30 % errors: Degraded

    private static readonly HealthSample Terrible = new(40, 60, null, false); // 60 % errors: Unhealthy

    [Fact]
    public void Good_samples_stay_healthy()
    {
        var monitor = new HealthMonitor(OneSampleWindow);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(MemberHealth.Healthy, monitor.Observe(Good, T0 + (Beat * i)));
        }
    }

    [Fact]
    public void Error_rate_thresholds_degrade_and_make_unhealthy_at_once()
    {
        var monitor = new HealthMonitor(OneSampleWindow);
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(Errors(19, 81), T0));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Errors(20, 80), T0 + Beat));
        Assert.Equal(0.2, monitor.ErrorRate);
        Assert.Equal(MemberHealth.Unhealthy, monitor.Observe(Errors(50, 50), T0 + (Beat * 2)));
    }

    [Fact]
    public void Too_few_events_give_no_error_rate()
    {
        var monitor = new HealthMonitor(OneSampleWindow);
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(Errors(1, 0), T0));
        Assert.Null(monitor.ErrorRate);
    }

    [Fact]
    public void Error_rate_is_computed_over_the_window()
    {
        var monitor = new HealthMonitor(HealthOptions.Default with { ErrorRateWindow = 4, RecoverySamples = 1, RecoveryTime = TimeSpan.Zero });
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Errors(10, 30), T0)); // 25 %
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Errors(0, 10), T0 + Beat)); // 10/50 = 20 %
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(Errors(0, 20), T0 + (Beat * 2))); // 10/70
        monitor.Observe(Good, T0 + (Beat * 3));
        monitor.Observe(Good, T0 + (Beat * 4)); // the failing sample has left the window
        Assert.Equal(0.0, monitor.ErrorRate);
    }

    [Fact]
    public void Recovery_needs_consecutive_good_samples()
    {
        var monitor = new HealthMonitor(OneSampleWindow);
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Bad, T0));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + Beat));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + (Beat * 2)));
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(Good, T0 + (Beat * 3)));
    }

    [Fact]
    public void Alternating_good_and_bad_samples_do_not_flap()
    {
        var monitor = new HealthMonitor(OneSampleWindow);
        var seen = new List<MemberHealth>();
        for (var i = 0; i < 40; i++)
        {
            seen.Add(monitor.Observe(i % 2 == 0 ? Bad : Good, T0 + (Beat * i)));
        }

        Assert.All(seen, h => Assert.Equal(MemberHealth.Degraded, h));

        // Two good, one bad, repeated: still never two transitions.
        monitor = new HealthMonitor(OneSampleWindow);
        seen.Clear();
        for (var i = 0; i < 40; i++)
        {
            seen.Add(monitor.Observe(i % 3 == 0 ? Bad : Good, T0 + (Beat * i)));
        }

        Assert.All(seen, h => Assert.Equal(MemberHealth.Degraded, h));
    }

    [Fact]
    public void Unhealthy_recovers_to_the_worst_level_of_the_recovery_streak()
    {
        var monitor = new HealthMonitor(OneSampleWindow);
        Assert.Equal(MemberHealth.Unhealthy, monitor.Observe(Terrible, T0));
        Assert.Equal(MemberHealth.Unhealthy, monitor.Observe(Bad, T0 + Beat));
        Assert.Equal(MemberHealth.Unhealthy, monitor.Observe(Good, T0 + (Beat * 2)));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + (Beat * 3)));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + (Beat * 4)));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + (Beat * 5)));
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(Good, T0 + (Beat * 6)));
    }

    [Fact]
    public void A_bad_sample_resets_the_recovery_streak()
    {
        var monitor = new HealthMonitor(OneSampleWindow);
        monitor.Observe(Bad, T0);
        monitor.Observe(Good, T0 + Beat);
        monitor.Observe(Good, T0 + (Beat * 2));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Bad, T0 + (Beat * 3)));
        monitor.Observe(Good, T0 + (Beat * 4));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + (Beat * 5)));
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(Good, T0 + (Beat * 6)));
    }

    [Fact]
    public void Engine_errors_degrade_at_once_and_make_unhealthy_after_three_in_a_row()
    {
        var monitor = new HealthMonitor();
        var engineError = new HealthSample(0, 0, null, EngineError: true);
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(engineError, T0));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(engineError, T0 + Beat));
        Assert.Equal(MemberHealth.Unhealthy, monitor.Observe(engineError, T0 + (Beat * 2)));

        // Interrupted streaks do not add up.
        monitor = new HealthMonitor();
        for (var i = 0; i < 10; i++)
        {
            Assert.NotEqual(MemberHealth.Unhealthy, monitor.Observe(i % 3 == 2 ? HealthSample.Idle : engineError, T0 + (Beat * i)));
        }
    }

    [Fact]
    public void Leases_lost_in_two_heartbeats_within_the_window_degrade_and_one_loss_does_not()
    {
        var monitor = new HealthMonitor();
        var lost = new HealthSample(100, 0, null, false, LeasesLost: 4);
        // One loss, even of several leases at once (one partition of the network): not churn.
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(lost, T0));
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(Good, T0 + Beat));
        // A second loss within the 30 s window: losing and retaking partitions.
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(lost with { LeasesLost = 1 }, T0 + TimeSpan.FromSeconds(20)));
        Assert.Equal(2, monitor.LeaseLosses);
        Assert.Contains("leases lost", monitor.LastReason, StringComparison.Ordinal);

        // A loss that has left the window no longer counts.
        monitor = new HealthMonitor();
        monitor.Observe(lost, T0);
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(lost, T0 + TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void With_short_heartbeats_recovery_waits_for_the_recovery_time_not_just_the_samples()
    {
        // 200 ms heartbeats (a 1 s session TTL): three good samples are 0.6 s; a flaky member must be good for 5 s.
        var beat = TimeSpan.FromMilliseconds(200);
        var monitor = new HealthMonitor();
        var engineError = new HealthSample(0, 0, null, EngineError: true);
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(engineError, T0));
        var i = 1;
        for (; beat * i < TimeSpan.FromSeconds(5); i++)
        {
            Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + (beat * i)));
        }

        // The last bad sample was at T0: healthy once 5 s have passed since.
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(Good, T0 + (beat * i)));

        // One bad sample on the way starts the wait again.
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(engineError, T0 + TimeSpan.FromSeconds(10)));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + TimeSpan.FromSeconds(11)));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(engineError, T0 + TimeSpan.FromSeconds(12)));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + TimeSpan.FromSeconds(13)));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(Good, T0 + TimeSpan.FromSeconds(16.9)));
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(Good, T0 + TimeSpan.FromSeconds(17)));
    }

    [Fact]
    public void A_partition_with_lag_and_no_progress_for_the_stall_timeout_degrades()
    {
        var monitor = new HealthMonitor(HealthOptions.Default with { StallTimeout = TimeSpan.FromSeconds(30) });
        PartitionPosition[] stuck = [new(0, Position: 10, Lag: 5), new(1, Position: 7, Lag: 0)];
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(new HealthSample(10, 0, stuck, false), T0));
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(new HealthSample(10, 0, stuck, false), T0 + TimeSpan.FromSeconds(29)));
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(new HealthSample(10, 0, stuck, false), T0 + TimeSpan.FromSeconds(30)));
        Assert.Equal(1, monitor.StalledPartitions);

        // Progress ends the stall; recovery still takes RecoverySamples.
        PartitionPosition[] moving = [new(0, Position: 11, Lag: 4), new(1, Position: 7, Lag: 0)];
        Assert.Equal(MemberHealth.Degraded, monitor.Observe(new HealthSample(10, 0, moving, false), T0 + TimeSpan.FromSeconds(33)));
        Assert.Equal(0, monitor.StalledPartitions);
    }

    [Fact]
    public void A_caught_up_partition_is_never_stalled()
    {
        var monitor = new HealthMonitor();
        PartitionPosition[] idle = [new(0, Position: 10, Lag: 0)];
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(MemberHealth.Healthy, monitor.Observe(new HealthSample(0, 0, idle, false), T0 + (Beat * i)));
        }
    }

    [Fact]
    public void A_partition_that_is_given_up_and_taken_again_starts_a_fresh_stall_clock()
    {
        var monitor = new HealthMonitor();
        PartitionPosition[] stuck = [new(0, Position: 10, Lag: 5)];
        monitor.Observe(new HealthSample(0, 0, stuck, false), T0);
        monitor.Observe(new HealthSample(0, 0, [], false), T0 + TimeSpan.FromSeconds(20));
        Assert.Equal(MemberHealth.Healthy, monitor.Observe(new HealthSample(0, 0, stuck, false), T0 + TimeSpan.FromSeconds(40)));
    }

    [Fact]
    public void Weight_policy_full_half_zero()
    {
        var options = HealthOptions.Default;
        Assert.Equal(4.0, options.EffectiveWeight(4, MemberHealth.Healthy));
        Assert.Equal(2.0, options.EffectiveWeight(4, MemberHealth.Degraded));
        Assert.Equal(0.0, options.EffectiveWeight(4, MemberHealth.Unhealthy));
        Assert.Equal(1.0, (options with { DegradedWeightFactor = 0.25 }).EffectiveWeight(4, MemberHealth.Degraded));
    }

    public static TheoryData<string, HealthOptions> InvalidOptions => new()
    {
        { "HealthOptions.DegradedErrorRate", HealthOptions.Default with { DegradedErrorRate = 0 } },
        { "HealthOptions.DegradedErrorRate", HealthOptions.Default with { DegradedErrorRate = double.NaN } },
        { "HealthOptions.UnhealthyErrorRate", HealthOptions.Default with { UnhealthyErrorRate = 1.5 } },
        { "HealthOptions.UnhealthyErrorRate", HealthOptions.Default with { DegradedErrorRate = 0.6, UnhealthyErrorRate = 0.5 } },
        { "HealthOptions.ErrorRateWindow", HealthOptions.Default with { ErrorRateWindow = 0 } },
        { "HealthOptions.MinEventsForErrorRate", HealthOptions.Default with { MinEventsForErrorRate = 0 } },
        { "HealthOptions.StallTimeout", HealthOptions.Default with { StallTimeout = TimeSpan.Zero } },
        { "HealthOptions.DegradedStalledPartitions", HealthOptions.Default with { DegradedStalledPartitions = 0 } },
        { "HealthOptions.UnhealthyEngineErrorSamples", HealthOptions.Default with { UnhealthyEngineErrorSamples = 0 } },
        { "HealthOptions.RecoverySamples", HealthOptions.Default with { RecoverySamples = 0 } },
        { "HealthOptions.DegradedWeightFactor", HealthOptions.Default with { DegradedWeightFactor = 1.5 } },
        { "HealthOptions.RecoveryTime", HealthOptions.Default with { RecoveryTime = TimeSpan.FromSeconds(-1) } },
        { "HealthOptions.DegradedLeaseLosses", HealthOptions.Default with { DegradedLeaseLosses = 0 } },
        { "HealthOptions.LeaseLossWindow", HealthOptions.Default with { LeaseLossWindow = TimeSpan.Zero } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_options_name_the_field(string field, HealthOptions options)
    {
        var e = Assert.Throws<ShoalConfigurationException>(options.Validate);
        Assert.Equal(field, e.Field);
        Assert.Throws<ShoalConfigurationException>(() => new HealthMonitor(options));
    }

    [Fact]
    public void Default_options_are_valid()
    {
        HealthOptions.Default.Validate();
        ClusterOptions.Default.Validate();
    }

    [Fact]
    public void Cluster_options_validation_names_the_field()
    {
        Assert.Equal("ClusterOptions.HeartbeatInterval",
            Assert.Throws<ShoalConfigurationException>((ClusterOptions.Default with { HeartbeatInterval = TimeSpan.Zero }).Validate).Field);
        Assert.Equal("ClusterOptions.SessionTtl",
            Assert.Throws<ShoalConfigurationException>((ClusterOptions.Default with { SessionTtl = TimeSpan.FromSeconds(5) }).Validate).Field);
    }
}
