using Shoal.Simulation;
using Xunit;

namespace Shoal.Tests.Simulation;

/// <summary>
/// The deterministic simulation: same seed, same run; the guarantees hold over
/// many seeds; and the checker fails when the protocol is broken on purpose.
/// </summary>
public sealed class ChaosSimulationTests
{
    [Fact]
    public void Two_runs_of_one_seed_produce_the_same_trace()
    {
        var first = ChaosRun.Execute(42, new ChaosSettings { KeepTrace = true });
        var second = ChaosRun.Execute(42, new ChaosSettings { KeepTrace = true });

        Assert.Equal(0, first.ForeignPosts);
        Assert.True(first.Trace.Count > 1_000, $"a run should do real work; its trace has {first.Trace.Count} lines");
        Assert.Equal(first.TraceHash, second.TraceHash);
        Assert.Equal(first.Trace, second.Trace);
        Assert.NotEqual(first.TraceHash, ChaosRun.Execute(43, new ChaosSettings()).TraceHash);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_thousand_seeds_hold_every_guarantee()
    {
        var summary = ChaosSweep.Run([.. Enumerable.Range(1, 1_000)], new ChaosSettings(), Environment.ProcessorCount);

        Assert.Equal(1_000, summary.Runs);
        Assert.True(summary.Violations == 0, $"failing seeds (replay with shoal chaos --seed N --trace): {string.Join(' ', summary.FailingSeeds)}; {summary}");
        Assert.True(summary.EventsChecked >= 1_000 * 1_000);
        Assert.True(summary.MaxDuplicates > 0, "faults should cause some redelivery, or the faults are not reaching the cluster");
    }

    [Fact]
    public void Commits_that_ignore_the_epoch_are_reported_as_zombie_commits()
    {
        var found = FirstFailing(new ChaosSettings
        {
            // Both fences off: the epoch on commits, and the member's own clock (which stops a cut-off member's commits).
            ConfigureRuntime = o => o with { UnsafeCommitWithoutFencing = true },
            ConfigureMember = m => m with { UnsafeNoSelfFence = true },
        }, r => r.Check.ZombieCommitsAccepted > 0);

        Assert.True(found is not null, "no zombie commit was reported in 60 seeds with fencing switched off");
    }

    [Fact]
    public void Releasing_a_lease_before_draining_is_reported_as_double_ownership()
    {
        var found = FirstFailing(new ChaosSettings { ConfigureMember = m => m with { UnsafeReleaseBeforeDrain = true } }, r => r.Check.DoubleOwnership > 0);

        Assert.True(found is not null, "no double ownership was reported in 60 seeds with early release switched on");
    }

    private static ChaosResult? FirstFailing(ChaosSettings broken, Func<ChaosResult, bool> matches)
    {
        for (var seed = 1; seed <= 60; seed++)
        {
            var result = ChaosRun.Execute(seed, broken);
            if (matches(result))
            {
                return result;
            }
        }

        return null;
    }
}
