using Shoal.Cluster.Autoscaling;
using Xunit;

namespace Shoal.Tests.Autoscaling;

public sealed class AutoscalePolicyTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The defaults with room to grow (the default maximum of 10 would cap these scenarios).</summary>
    private static readonly AutoscaleOptions Roomy = AutoscaleOptions.Default with { MaxMembers = 100 };

    /// <summary>No stabilization, no headroom, no tolerance: the recommendation alone, for checking the arithmetic.</summary>
    private static readonly AutoscaleOptions Bare = new()
    {
        MaxMembers = 100,
        TargetUtilization = 1,
        Tolerance = 0,
        ScaleUpWindow = TimeSpan.Zero,
        ScaleDownWindow = TimeSpan.Zero,
        Cooldown = TimeSpan.Zero,
        MemberStartupTime = TimeSpan.Zero,
    };

    private static AutoscaleInput Input(double seconds, int members, double arrivals, long lag = 0, int partitions = 32, double perMember = 100) => new()
    {
        At = T0.AddSeconds(seconds),
        CurrentMembers = members,
        Partitions = partitions,
        PartitionLag = Spread(lag, partitions),
        ArrivalRate = arrivals,
        ProcessingRatePerMember = perMember,
    };

    private static long[] Spread(long lag, int partitions)
    {
        var lags = new long[partitions];
        lags[0] = lag; // all in one partition: the policy sums, it does not assume an even spread
        return lags;
    }

    [Theory]
    [InlineData("MinMembers", "AutoscaleOptions.MinMembers")]
    [InlineData("MaxBelowMin", "AutoscaleOptions.MaxMembers")]
    [InlineData("PerPartition", "AutoscaleOptions.MaxMembersPerPartition")]
    [InlineData("TargetLag", "AutoscaleOptions.TargetLag")]
    [InlineData("Drain", "AutoscaleOptions.TargetDrainTime")]
    [InlineData("Utilization", "AutoscaleOptions.TargetUtilization")]
    [InlineData("Tolerance", "AutoscaleOptions.Tolerance")]
    [InlineData("UpWindow", "AutoscaleOptions.ScaleUpWindow")]
    [InlineData("DownWindow", "AutoscaleOptions.ScaleDownWindow")]
    [InlineData("Cooldown", "AutoscaleOptions.Cooldown")]
    [InlineData("Startup", "AutoscaleOptions.MemberStartupTime")]
    [InlineData("DeepDrop", "AutoscaleOptions.DeepDropFraction")]
    [InlineData("DeepDropNegative", "AutoscaleOptions.DeepDropFraction")]
    public void Invalid_options_name_the_field(string which, string field)
    {
        var options = which switch
        {
            "MinMembers" => AutoscaleOptions.Default with { MinMembers = 0 },
            "MaxBelowMin" => AutoscaleOptions.Default with { MinMembers = 5, MaxMembers = 4 },
            "PerPartition" => AutoscaleOptions.Default with { MaxMembersPerPartition = 0 },
            "TargetLag" => AutoscaleOptions.Default with { TargetLag = -1 },
            "Drain" => AutoscaleOptions.Default with { TargetDrainTime = TimeSpan.Zero },
            "Utilization" => AutoscaleOptions.Default with { TargetUtilization = 1.5 },
            "Tolerance" => AutoscaleOptions.Default with { Tolerance = 1 },
            "UpWindow" => AutoscaleOptions.Default with { ScaleUpWindow = TimeSpan.FromSeconds(-1) },
            "DownWindow" => AutoscaleOptions.Default with { ScaleDownWindow = TimeSpan.FromSeconds(-1) },
            "Cooldown" => AutoscaleOptions.Default with { Cooldown = TimeSpan.FromSeconds(-1) },
            "DeepDrop" => AutoscaleOptions.Default with { DeepDropFraction = 1 },
            "DeepDropNegative" => AutoscaleOptions.Default with { DeepDropFraction = -0.1 },
            _ => AutoscaleOptions.Default with { MemberStartupTime = TimeSpan.FromSeconds(-1) },
        };

        var error = Assert.Throws<ShoalConfigurationException>(() => new AutoscalePolicy(options));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Defaults_are_valid() => AutoscaleOptions.Default.Validate();

    [Fact]
    public void Members_cover_arrivals_plus_draining_the_backlog_beyond_the_target_lag_within_the_drain_time()
    {
        var policy = new AutoscalePolicy(Bare with { TargetLag = 1_000, TargetDrainTime = TimeSpan.FromSeconds(10) });

        // 1000/s arrive; 11 000 lagging, 10 000 beyond the target, to drain in 10 s: 2000/s at 100/s each.
        var decision = policy.Decide(Input(0, members: 20, arrivals: 1_000, lag: 11_000));

        Assert.Equal(2_000, decision.RequiredRate, 6);
        Assert.Equal(20, decision.Recommendation);
        Assert.Equal(11_000, decision.Lag);
    }

    [Fact]
    public void Exact_capacity_is_not_rounded_up_by_floating_point_noise()
    {
        var policy = new AutoscalePolicy(Bare);
        Assert.Equal(3, policy.Decide(Input(0, members: 3, arrivals: 0.1 + 0.2 + 299.7, perMember: 100)).Recommendation);
    }

    [Fact]
    public void A_scale_up_is_sized_for_the_backlog_that_grows_until_new_members_work()
    {
        var options = Bare with { TargetLag = 0, TargetDrainTime = TimeSpan.FromSeconds(10), MemberStartupTime = TimeSpan.FromSeconds(5) };

        // 10 members (1000/s) facing 2000/s: 1000/s short for 5 s of start-up → 5000 more lag, drained in 10 s.
        var decision = new AutoscalePolicy(options).Decide(Input(0, members: 10, arrivals: 2_000));

        Assert.Equal(2_500, decision.RequiredRate, 6);
        Assert.Equal(25, decision.DesiredMembers);
    }

    [Fact]
    public void Within_the_tolerance_band_the_count_stays()
    {
        var policy = new AutoscalePolicy(Bare with { Tolerance = 0.1 });

        var decision = policy.Decide(Input(0, members: 10, arrivals: 1_080));

        Assert.Equal(10, decision.DesiredMembers);
        Assert.Equal(AutoscaleReason.Steady, decision.Reason);
        Assert.Equal(12, new AutoscalePolicy(Bare with { Tolerance = 0.1 }).Decide(Input(0, members: 10, arrivals: 1_120)).DesiredMembers);
    }

    [Fact]
    public void Scale_up_waits_for_a_whole_scale_up_window_of_agreement_so_a_shorter_burst_adds_nothing()
    {
        var policy = new AutoscalePolicy(Roomy with { ScaleUpWindow = TimeSpan.FromSeconds(15), Cooldown = TimeSpan.Zero });
        Assert.Equal(AutoscaleReason.Steady, policy.Decide(Input(0, members: 5, arrivals: 400)).Reason);

        // A 10 s burst: every decision waits for the window, then load is back.
        for (var t = 1; t <= 10; t++)
        {
            var decision = policy.Decide(Input(t, members: 5, arrivals: 2_000));
            Assert.Equal(5, decision.DesiredMembers);
            Assert.Equal(AutoscaleReason.WaitingForScaleUpWindow, decision.Reason);
        }

        for (var t = 11; t <= 40; t++)
        {
            Assert.Equal(5, policy.Decide(Input(t, members: 5, arrivals: 400)).DesiredMembers);
        }

        // A sustained rise: up once the whole window agrees, not before.
        var first = -1;
        for (var t = 41; t <= 60 && first < 0; t++)
        {
            if (policy.Decide(Input(t, members: 5, arrivals: 2_000)).Direction > 0)
            {
                first = t;
            }
        }

        // The last low recommendation was at 40: the window agrees once it is 15 s old.
        Assert.Equal(40 + 15, first);
    }

    [Fact]
    public void Scale_down_waits_for_a_whole_scale_down_window_of_lower_load()
    {
        // A quarter of the load would be a deep drop (see below); with the shortcut off, HPA's rule alone.
        var policy = new AutoscalePolicy(Roomy with { ScaleDownWindow = TimeSpan.FromSeconds(120), Cooldown = TimeSpan.Zero, DeepDropFraction = 0 });
        policy.Decide(Input(0, members: 20, arrivals: 1_800));

        var downAt = -1;
        for (var t = 1; t <= 200 && downAt < 0; t++)
        {
            var decision = policy.Decide(Input(t, members: 20, arrivals: 450));
            if (decision.Direction < 0)
            {
                downAt = t;
                Assert.Equal(5, decision.DesiredMembers);
                Assert.Equal(AutoscaleReason.ScaleDown, decision.Reason);
            }
            else
            {
                Assert.Equal(AutoscaleReason.WaitingForScaleDownWindow, decision.Reason);
            }
        }

        Assert.Equal(120, downAt);
    }

    [Fact]
    public void Members_added_to_drain_a_backlog_stay_while_it_lasts_and_leave_once_the_lag_is_under_the_target()
    {
        var policy = new AutoscalePolicy(Roomy with { Cooldown = TimeSpan.Zero });
        var members = 10;
        policy.Decide(Input(0, members, arrivals: 900, partitions: 128));

        // A backlog appears at steady arrivals: up after the short window...
        var t = 1;
        for (; members == 10 && t < 100; t++)
        {
            members = policy.Decide(Input(t, members, arrivals: 900, lag: 50_000, partitions: 128)).DesiredMembers;
        }

        Assert.Equal(16, t);
        Assert.Equal(65, members); // 900/s + 49 000 beyond the target in 10 s = 5800/s, at 90/s planned per member

        // ...while 5000 remain (4000 beyond the target: 1300/s, 15 members), the short window's full recommendation
        // holds them, never down to what the arrivals alone need...
        for (var end = t + 30; t < end; t++)
        {
            members = policy.Decide(Input(t, members, arrivals: 900, lag: 5_000, partitions: 128)).DesiredMembers;
            Assert.InRange(members, 15, 65);
        }

        Assert.Equal(15, members);

        // ...and the first decision that sees the lag under the target lets the drain's members go.
        var drained = policy.Decide(Input(t, members, arrivals: 900, lag: 400, partitions: 128));
        Assert.Equal(10, drained.DesiredMembers);
        Assert.Equal(AutoscaleReason.ScaleDown, drained.Reason);
    }

    [Theory]
    [InlineData(900, 15, 10, AutoscaleReason.DeepDrop)] // a quarter of the members: a new level
    [InlineData(1_800, 15, 20, AutoscaleReason.DeepDrop)] // exactly half
    [InlineData(1_900, 120, 22, AutoscaleReason.ScaleDown)] // just over half: noise until the long window says otherwise
    [InlineData(2_700, 120, 30, AutoscaleReason.ScaleDown)]
    public void A_drop_to_at_most_the_deep_drop_fraction_follows_the_short_window_a_shallower_one_the_long_window(
        double arrivals, int expectedAt, int expectedMembers, AutoscaleReason expectedReason)
    {
        // 40 members for 3600/s (90/s planned each), then the arrivals fall and stay there, lag drained.
        var policy = new AutoscalePolicy(Roomy with { Cooldown = TimeSpan.Zero });
        Assert.Equal(AutoscaleReason.Steady, policy.Decide(Input(0, members: 40, arrivals: 3_600, partitions: 64)).Reason);

        var (at, decision) = FirstChange(policy, from: 1, members: 40, arrivals: arrivals);

        Assert.Equal(expectedAt, at);
        Assert.Equal(expectedMembers, decision.DesiredMembers);
        Assert.Equal(expectedReason, decision.Reason);
    }

    [Fact]
    public void With_the_deep_drop_fraction_0_every_drop_waits_for_the_long_window()
    {
        var policy = new AutoscalePolicy(Roomy with { Cooldown = TimeSpan.Zero, DeepDropFraction = 0 });
        policy.Decide(Input(0, members: 40, arrivals: 3_600, partitions: 64));

        var (at, decision) = FirstChange(policy, from: 1, members: 40, arrivals: 900);

        Assert.Equal(120, at);
        Assert.Equal((10, AutoscaleReason.ScaleDown), (decision.DesiredMembers, decision.Reason));
    }

    [Fact]
    public void A_deep_drop_waits_while_a_backlog_remains()
    {
        var policy = new AutoscalePolicy(Roomy with { Cooldown = TimeSpan.Zero });
        policy.Decide(Input(0, members: 40, arrivals: 3_600, partitions: 64));

        // The arrivals fell long ago, but 20 000 events still lag: the members work on them.
        for (var t = 1; t <= 60; t++)
        {
            var waiting = policy.Decide(Input(t, members: 40, arrivals: 900, lag: 20_000, partitions: 64));
            Assert.Equal(40, waiting.DesiredMembers);
        }

        var drained = policy.Decide(Input(61, members: 40, arrivals: 900, lag: 0, partitions: 64));
        Assert.Equal((10, AutoscaleReason.DeepDrop), (drained.DesiredMembers, drained.Reason));
    }

    [Fact]
    public void Load_that_returns_within_the_long_window_turns_the_deep_drop_off_until_the_long_window_sees_a_deep_drop()
    {
        var policy = new AutoscalePolicy(Roomy with { Cooldown = TimeSpan.Zero });
        var members = 40;
        var changes = new List<(int At, int To, AutoscaleReason Reason)>();
        void Run(int from, int to, double arrivals)
        {
            for (var t = from; t <= to; t++)
            {
                var decision = policy.Decide(Input(t, members, arrivals, partitions: 64));
                if (decision.Direction != 0)
                {
                    changes.Add((t, decision.DesiredMembers, decision.Reason));
                    members = decision.DesiredMembers;
                }
            }
        }

        Run(0, 0, 3_600);
        Run(1, 30, 900); // a deep drop: down after the short window
        Run(31, 45, 3_600); // the load comes back 30 s later: the bet is lost
        Run(46, 180, 900); // the same drop again: the drain's members go, the arrivals' wait for the long window
        Run(181, 195, 3_600); // that drop lasted a whole long window: the shortcut is back
        Run(196, 240, 900);

        Assert.Equal(
            [
                (15, 10, AutoscaleReason.DeepDrop),
                (45, 64, AutoscaleReason.ScaleUp),
                (46, 40, AutoscaleReason.ScaleDown),
                (165, 10, AutoscaleReason.ScaleDown),
                (195, 64, AutoscaleReason.ScaleUp),
                (196, 40, AutoscaleReason.ScaleDown),
                (210, 10, AutoscaleReason.DeepDrop),
            ],
            changes);
    }

    /// <summary>Feeds <paramref name="arrivals"/> with no lag from second <paramref name="from"/> until the count changes.</summary>
    private static (int At, AutoscaleDecision Decision) FirstChange(AutoscalePolicy policy, int from, int members, double arrivals, int partitions = 64)
    {
        for (var t = from; t < from + 300; t++)
        {
            var decision = policy.Decide(Input(t, members, arrivals, partitions: partitions));
            if (decision.Direction != 0)
            {
                return (t, decision);
            }

            Assert.Equal(AutoscaleReason.WaitingForScaleDownWindow, decision.Reason);
        }

        throw new Xunit.Sdk.XunitException($"no change within 300 s of {arrivals}/s");
    }

    [Fact]
    public void Cooldown_holds_the_count_after_a_change()
    {
        var options = Bare with { Cooldown = TimeSpan.FromSeconds(10) };
        var policy = new AutoscalePolicy(options);
        Assert.Equal(20, policy.Decide(Input(0, members: 10, arrivals: 2_000)).DesiredMembers);

        var held = policy.Decide(Input(5, members: 20, arrivals: 3_000));
        Assert.Equal(20, held.DesiredMembers);
        Assert.Equal(AutoscaleReason.Cooldown, held.Reason);

        Assert.Equal(30, policy.Decide(Input(10, members: 20, arrivals: 3_000)).DesiredMembers);
    }

    [Fact]
    public void Never_more_members_than_partitions_unless_a_partition_can_use_several()
    {
        var one = new AutoscalePolicy(Bare).Decide(Input(0, members: 4, arrivals: 5_000, partitions: 8));
        Assert.Equal(8, one.DesiredMembers);
        Assert.Equal(8, one.MaxUsefulMembers);

        var two = new AutoscalePolicy(Bare with { MaxMembersPerPartition = 2 }).Decide(Input(0, members: 4, arrivals: 5_000, partitions: 8));
        Assert.Equal(16, two.DesiredMembers);

        var max = new AutoscalePolicy(Bare with { MaxMembers = 6 }).Decide(Input(0, members: 4, arrivals: 5_000, partitions: 8));
        Assert.Equal(6, max.DesiredMembers);
    }

    [Fact]
    public void Bounds_apply_at_once_despite_windows_and_cooldown()
    {
        var policy = new AutoscalePolicy(AutoscaleOptions.Default with { MinMembers = 2, MaxMembers = 6 });

        var tooMany = policy.Decide(Input(0, members: 9, arrivals: 500));
        Assert.Equal(6, tooMany.DesiredMembers);
        Assert.Equal(AutoscaleReason.Bounds, tooMany.Reason);

        var tooFew = policy.Decide(Input(1, members: 1, arrivals: 0));
        Assert.Equal(2, tooFew.DesiredMembers);
        Assert.Equal(AutoscaleReason.Bounds, tooFew.Reason);
    }

    [Fact]
    public void Without_a_throughput_estimate_the_count_stays()
    {
        var decision = new AutoscalePolicy(Roomy).Decide(Input(0, members: 3, arrivals: 10_000, lag: 1_000_000, perMember: 0));
        Assert.Equal(3, decision.DesiredMembers);
        Assert.Equal(AutoscaleReason.NoThroughputEstimate, decision.Reason);
    }

    [Fact]
    public void Bad_inputs_are_rejected_with_the_field_named()
    {
        var policy = new AutoscalePolicy();
        policy.Decide(Input(10, members: 3, arrivals: 100));

        Assert.Contains("went backwards", Assert.Throws<ArgumentException>(() => policy.Decide(Input(9, members: 3, arrivals: 100))).Message);
        Assert.Contains("PartitionLag must have one entry per partition", Assert.Throws<ArgumentException>(() =>
            policy.Decide(Input(11, members: 3, arrivals: 100) with { Partitions = 4 })).Message);
        Assert.Contains("PartitionLag[0]", Assert.Throws<ArgumentException>(() =>
            policy.Decide(Input(11, members: 3, arrivals: 100) with { PartitionLag = [-1, .. new long[31]] })).Message);
        Assert.Contains("ArrivalRate", Assert.Throws<ArgumentException>(() => policy.Decide(Input(11, members: 3, arrivals: double.NaN))).Message);
        Assert.Contains("CurrentMembers", Assert.Throws<ArgumentException>(() => policy.Decide(Input(11, members: -1, arrivals: 1))).Message);
    }
}
