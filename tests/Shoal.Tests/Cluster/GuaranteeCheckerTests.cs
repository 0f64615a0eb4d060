using Shoal.Cluster;
using Shoal.Scenarios.Demo;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>
/// <see cref="GuaranteeChecker"/>'s recording side, as <c>shoal demo</c> (event n: key n mod keys, sequence n / keys)
/// and <c>shoal verify</c> (per-key capacities, marked produce) use it. Its whole-run side:
/// <see cref="GuaranteeRunTests"/> and the simulation's tests.
/// </summary>
public sealed class GuaranteeCheckerTests
{
    private static DemoChecker Create(long events, int keys) =>
        new(new DemoSettings { Events = events, Keys = keys, Partitions = 4, Nodes = 1 });

    /// <summary>Records events [from, to) the way a perfect runtime would: each once, in publish order.</summary>
    private static void RecordRange(DemoChecker verifier, long from, long to)
    {
        for (var n = from; n < to; n++)
        {
            verifier.Record(verifier.KeyOf(n), verifier.SequenceOf(n));
        }
    }

    [Fact]
    public void Perfect_run_reports_nothing_wrong()
    {
        var verifier = Create(10_007, 13);
        RecordRange(verifier, 0, 10_007);

        var report = verifier.Build(10_007, TimeSpan.FromSeconds(2), 64L * 1024 * 1024);

        Assert.Equal(10_007, report.Produced);
        Assert.Equal(10_007, report.Processed);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.OrderViolations);
        Assert.Equal(5_003.5, report.EventsPerSecond);
        Assert.Equal(2_000, report.ElapsedMs);
        Assert.Equal(64.0, report.PeakMemoryMb);
        Assert.Equal((4, 13, 1), (report.Partitions, report.Keys, report.Nodes));
        Assert.Equal(0, report.ExitCode());
    }

    [Fact]
    public void A_lost_event_is_counted_and_fails_the_run()
    {
        var verifier = Create(1_000, 10);
        RecordRange(verifier, 0, 500);
        RecordRange(verifier, 501, 1_000);

        var report = verifier.Build(1_000, TimeSpan.FromSeconds(1), 0);

        Assert.Equal(1, report.Lost);
        Assert.Equal(999, report.Processed);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.OrderViolations);
        Assert.Equal(1, report.ExitCode());
    }

    [Fact]
    public void A_duplicate_is_counted_but_does_not_fail_the_run()
    {
        var verifier = Create(100, 10);
        RecordRange(verifier, 0, 100);
        verifier.Record(3, 9); // the last event of key 3 again: a redelivery, still in order

        var report = verifier.Build(100, TimeSpan.FromSeconds(1), 0);

        Assert.Equal(1, report.Duplicates);
        Assert.Equal(101, report.Processed);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.OrderViolations);
        Assert.Equal(0, report.ExitCode());
    }

    [Fact]
    public void A_sequence_seen_after_a_higher_one_is_an_order_violation()
    {
        var verifier = Create(30, 3);
        verifier.Record(1, 0);
        verifier.Record(1, 2);
        verifier.Record(1, 1);
        for (var seq = 3; seq < 10; seq++)
        {
            verifier.Record(1, seq);
        }

        for (var seq = 0; seq < 10; seq++)
        {
            verifier.Record(0, seq);
            verifier.Record(2, seq);
        }

        var report = verifier.Build(30, TimeSpan.FromSeconds(1), 0);

        Assert.Equal(1, report.OrderViolations);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(1, report.ExitCode());
    }

    [Fact]
    public void Events_not_yet_produced_are_not_expected()
    {
        var verifier = Create(1_000, 7);
        RecordRange(verifier, 0, 400);

        var report = verifier.Build(400, TimeSpan.FromSeconds(1), 0);

        Assert.Equal((400L, 400L, 0L), (report.Produced, report.Processed, report.Lost));
    }

    [Fact]
    public void More_keys_than_events_is_fine()
    {
        var verifier = Create(3, 1_000);
        RecordRange(verifier, 0, 3);

        Assert.Equal(0, verifier.Build(3, TimeSpan.FromSeconds(1), 0).Lost);
        Assert.Throws<ArgumentOutOfRangeException>(() => verifier.Record(5, 0));
    }

    [Fact]
    public void An_event_that_was_never_published_is_rejected()
    {
        var verifier = Create(20, 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => verifier.Record(0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => verifier.Record(-1, 0));
    }

    [Fact]
    public async Task Keys_recorded_concurrently_are_all_accounted_for()
    {
        // 7 keys of 10,001 events: key ranges in the bitmap share 64-bit words, so concurrent keys
        // contend on the same words; every key runs on its own thread, its events in order.
        const int keys = 7;
        const long events = keys * 10_001L;
        var verifier = Create(events, keys);
        using var start = new Barrier(keys);

        var workers = Enumerable.Range(0, keys).Select(key => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (long seq = 0; seq < 10_001; seq++)
                {
                    verifier.Record(key, seq);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(workers);

        var report = verifier.Build(events, TimeSpan.FromSeconds(1), 0);

        Assert.Equal(events, report.Processed);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.OrderViolations);
    }

    [Fact]
    public void One_million_events_fit_in_a_small_bitmap()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var verifier = Create(1_000_000, 1_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        RecordRange(verifier, 0, 1_000_000);
        var report = verifier.Build(1_000_000, TimeSpan.FromSeconds(1), 0);

        Assert.True(allocated < 512 * 1024, $"verifier allocated {allocated} bytes for 1,000,000 events");
        Assert.Equal((1_000_000L, 0L, 0L, 0L), (report.Processed, report.Lost, report.Duplicates, report.OrderViolations));
    }

    [Fact]
    public void Per_key_capacities_check_what_was_marked_as_produced()
    {
        var verifier = new GuaranteeChecker([3, 1, 0, 2]);
        foreach (var (key, seq) in new[] { (0, 0L), (0, 1L), (0, 2L), (1, 0L), (3, 0L), (3, 1L) })
        {
            Assert.True(verifier.MarkProduced(key, seq));
        }

        Assert.False(verifier.MarkProduced(0, 1));
        verifier.Record(0, 0, epoch: 1);
        verifier.Record(0, 1, epoch: 1);
        verifier.Record(3, 1, epoch: 1);
        verifier.Record(3, 1, epoch: 2);

        Assert.Equal(new GuaranteeCounts(Produced: 6, Processed: 4, Lost: 3, Duplicates: 1, OrderViolations: 0), verifier.Check());
        Assert.False(verifier.Contains(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => verifier.Record(1, 1, epoch: 1));
    }

    [Fact]
    public void Within_one_epoch_a_key_may_not_go_back_but_a_new_epoch_may_replay()
    {
        var verifier = new GuaranteeChecker([10]);
        for (var s = 0; s < 6; s++)
        {
            verifier.Record(0, s, epoch: 1);
        }

        for (var s = 3; s < 8; s++)
        {
            verifier.Record(0, s, epoch: 2); // a new owner redelivers from the committed offset: duplicates only
        }

        Assert.Equal(0, verifier.Check().OrderViolations);
        verifier.Record(0, 4, epoch: 2); // the same owner going back: a violation, though 4 was seen before
        verifier.Record(0, 7, epoch: 2); // repeating the last one (a retried record) is a duplicate only

        var counts = verifier.Check();
        Assert.Equal(1, counts.OrderViolations);
        Assert.Equal(5, counts.Duplicates);
    }

    /// <summary>A checker with the demo's settings, as <c>shoal demo</c> holds it.</summary>
    private sealed class DemoChecker(DemoSettings settings)
    {
        private readonly GuaranteeChecker _checker = new(settings.Capacity());

        public bool Contains(int key, long sequence) => _checker.Contains(key, sequence);

        public int KeyOf(long n) => settings.KeyOf(n);

        public long SequenceOf(long n) => settings.SequenceOf(n);

        public void Record(int key, long sequence) => _checker.Record(key, sequence);

        public void Record(int key, long sequence, long epoch) => _checker.Record(key, sequence, epoch);

        public bool MarkProduced(int key, long sequence) => _checker.MarkProduced(key, sequence);

        public GuaranteeCounts Check() => _checker.Check();

        public DemoReport Build(long produced, TimeSpan elapsed, long peak) => _checker.Build(settings, produced, elapsed, peak);
    }
}
