using Shoal.Cluster;
using Shoal.Engine;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>
/// <see cref="GuaranteeChecker.Check(GuaranteeRun)"/> on hand-made runs: each invariant, from plain records (the
/// simulation feeds it the same records from its seeded runs).
/// </summary>
public sealed class GuaranteeRunTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    /// <summary>Two events of key k on partition 0, both acknowledged; m1 owns p0 under epoch 1 and fences it.</summary>
    private static GuaranteeRun Run(IReadOnlyList<HandlerAttempt> handlings, IReadOnlyList<OwnershipWrite>? writes = null) => new()
    {
        Events = [new PublishedEvent("k", 0, true), new PublishedEvent("k", 1, true)],
        Stored = [new StoredEvent(0, 0, 0, false), new StoredEvent(0, 1, 1, false)],
        Handlings = handlings,
        Writes = writes ??
        [
            new OwnershipWrite("m1", 0, Ms(0), IsLease: true, "m1", 1, Ms(5_000), 0),
            new OwnershipWrite("m1", 0, Ms(1), IsLease: false, string.Empty, 1, default, 0),
        ],
        MaxInFlight = 32,
    };

    private static HandlerAttempt Handled(string member, long offset, long epoch, double start, double end, int attempt = 1, bool succeeded = true) =>
        new(member, 0, offset, epoch, "k", offset, attempt, Ms(start), Ms(end), succeeded);

    [Fact]
    public void A_clean_run_has_no_violation()
    {
        var verdict = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11), Handled("m1", 1, 1, 12, 13)]));

        Assert.Equal(0, verdict.Violations);
        Assert.Equal(2, verdict.EventsChecked);
        Assert.Empty(verdict.Details);
    }

    [Fact]
    public void An_acknowledged_event_never_handled_is_lost_unless_it_was_dead_lettered()
    {
        var lost = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11), Handled("m1", 1, 1, 12, 13, succeeded: false)]));
        var deadLettered = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11)]) with
        {
            Stored = [new StoredEvent(0, 0, 0, false), new StoredEvent(0, 1, 1, DeadLettered: true)],
        });

        Assert.Equal(1, lost.Lost);
        Assert.Equal("lost: event e1 (k#1) at p0@1 was acknowledged but never handled in an accepted epoch nor dead-lettered", Assert.Single(lost.Details));
        Assert.Equal(0, deadLettered.Violations);
    }

    [Fact]
    public void A_handling_that_ends_after_a_newer_epoch_fenced_the_partition_is_not_accepted()
    {
        var writes = new List<OwnershipWrite>
        {
            new("m1", 0, Ms(0), IsLease: true, "m1", 1, Ms(100), 0),
            new("m1", 0, Ms(1), IsLease: false, string.Empty, 1, default, 0),
            new("m2", 0, Ms(200), IsLease: true, "m2", 2, Ms(5_000), 0),
            new("m2", 0, Ms(201), IsLease: false, string.Empty, 2, default, 0),
        };

        // m1 handled e1 until after m2's fence: only e0 is accepted from m1, and nobody handled e1 since.
        var verdict = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11), Handled("m1", 1, 1, 12, 300)], writes));

        Assert.Equal(1, verdict.Lost);
        Assert.Equal(1, verdict.Takeovers);
        Assert.Equal(0, verdict.DoubleOwnership);
    }

    [Fact]
    public void An_offset_write_with_an_older_epoch_after_a_newer_one_is_a_zombie_commit()
    {
        var writes = new List<OwnershipWrite>
        {
            new("m1", 0, Ms(0), IsLease: true, "m1", 1, Ms(100), 0),
            new("m1", 0, Ms(1), IsLease: false, string.Empty, 1, default, 0),
            new("m2", 0, Ms(200), IsLease: true, "m2", 2, Ms(5_000), 0),
            new("m2", 0, Ms(201), IsLease: false, string.Empty, 2, default, 0),
            new("m1", 0, Ms(250), IsLease: false, string.Empty, 1, default, 2),
        };

        var verdict = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11), Handled("m1", 1, 1, 12, 13)], writes));

        Assert.Equal(1, verdict.ZombieCommitsAccepted);
        Assert.Equal("zombie commit accepted: m1 wrote offset 2 of p0 with epoch 1 at 250 ms after epoch 2 had fenced it", Assert.Single(verdict.Details));
    }

    [Fact]
    public void Taking_an_unexpired_unreleased_lease_or_handling_after_releasing_is_double_ownership()
    {
        var writes = new List<OwnershipWrite>
        {
            new("m1", 0, Ms(0), IsLease: true, "m1", 1, Ms(5_000), 0),
            new("m1", 0, Ms(1), IsLease: false, string.Empty, 1, default, 0),
            new("m2", 0, Ms(100), IsLease: true, "m2", 2, Ms(5_000), 0),
        };
        var released = new List<OwnershipWrite>
        {
            new("m1", 0, Ms(0), IsLease: true, "m1", 1, Ms(5_000), 0),
            new("m1", 0, Ms(1), IsLease: false, string.Empty, 1, default, 0),
            new("m1", 0, Ms(12), IsLease: true, string.Empty, 1, Ms(5_000), 0),
        };

        var taken = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11), Handled("m1", 1, 1, 12, 13)], writes));
        var afterRelease = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11), Handled("m1", 1, 1, 12, 13)], released));

        Assert.Equal(1, taken.DoubleOwnership);
        Assert.StartsWith("double ownership: m2 took p0 epoch 2 at 100 ms while m1's epoch 1 was unexpired and not released", Assert.Single(taken.Details), StringComparison.Ordinal);
        Assert.Equal(1, afterRelease.DoubleOwnership);
    }

    [Fact]
    public void Within_one_epoch_a_keys_first_attempts_must_go_up_and_redeliveries_count_as_duplicates()
    {
        var order = GuaranteeChecker.Check(Run([Handled("m1", 1, 1, 10, 11), Handled("m1", 0, 1, 12, 13)]));
        var duplicates = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11), Handled("m1", 1, 1, 12, 13), Handled("m1", 1, 1, 14, 15, attempt: 2)]));

        Assert.Equal(1, order.OrderViolations);
        Assert.Equal(1, duplicates.Duplicates);
        Assert.True(duplicates.DuplicatesOverWindow, "no takeover allows no duplicate");
    }

    [Fact]
    public void Within_one_epoch_an_event_may_start_again_only_after_its_last_attempt_ended_unfinished()
    {
        // A self-fenced member cancels k#0, resumes under the same epoch and runs k#0 again at attempt 1, then k#1.
        var rerun = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11, succeeded: false), Handled("m1", 0, 1, 12, 13), Handled("m1", 1, 1, 14, 15)]));
        var afterSuccess = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 11), Handled("m1", 0, 1, 12, 13), Handled("m1", 1, 1, 14, 15)]));
        var whileRunning = GuaranteeChecker.Check(Run([Handled("m1", 0, 1, 10, 20, succeeded: false), Handled("m1", 0, 1, 12, 13), Handled("m1", 1, 1, 21, 22)]));
        var afterRetrySucceeded = GuaranteeChecker.Check(Run(
            [Handled("m1", 0, 1, 10, 11, succeeded: false), Handled("m1", 0, 1, 12, 13, attempt: 2), Handled("m1", 0, 1, 14, 15), Handled("m1", 1, 1, 16, 17)]));

        Assert.Equal(0, rerun.OrderViolations);
        Assert.Equal(0, rerun.Duplicates);
        Assert.Equal(1, afterSuccess.OrderViolations);
        Assert.Equal(1, whileRunning.OrderViolations);
        Assert.Equal(1, afterRetrySucceeded.OrderViolations);
    }

    [Fact]
    public void Liveness_is_checked_only_with_a_bound_and_fails_when_the_run_never_settled()
    {
        var handled = new[] { Handled("m1", 0, 1, 10, 11), Handled("m1", 1, 1, 12, 13) };

        Assert.False(GuaranteeChecker.Check(Run(handled)).LivenessFailed);
        var stuck = GuaranteeChecker.Check(Run(handled) with
        {
            LivenessBound = TimeSpan.FromSeconds(30),
            HealedAt = Ms(100),
            Committed = new Dictionary<int, CommittedOffset> { [0] = new(1, 1) },
        });

        Assert.True(stuck.LivenessFailed);
        Assert.Contains("committed: p0=1/e1", Assert.Single(stuck.Details), StringComparison.Ordinal);
    }
}
