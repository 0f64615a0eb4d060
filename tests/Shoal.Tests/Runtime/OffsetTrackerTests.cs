using CsCheck;
using Shoal.Engine;
using Shoal.Processing;
using Xunit;

namespace Shoal.Tests.Runtime;

public sealed class OffsetTrackerTests
{
    [Fact]
    public void Out_of_order_completions_advance_the_watermark_only_over_contiguous_done_offsets()
    {
        var tracker = new OffsetTracker(8, start: 0);
        tracker.MarkDone(2);
        Assert.Equal(0, tracker.Watermark);
        tracker.MarkDone(1);
        Assert.Equal(0, tracker.Watermark);
        tracker.MarkDone(0);
        Assert.Equal(3, tracker.Watermark);
        tracker.MarkDone(5);
        tracker.MarkDone(4);
        Assert.Equal(3, tracker.Watermark);
        tracker.MarkDone(3);
        Assert.Equal(6, tracker.Watermark);
    }

    [Fact]
    public void Done_offsets_above_the_watermark_are_reported_as_ranges()
    {
        var tracker = new OffsetTracker(16, start: 96);
        Assert.Empty(tracker.DoneAbove());
        foreach (var offset in new long[] { 97, 98, 99, 100, 105, 106 })
        {
            tracker.MarkDone(offset);
        }

        Assert.Equal(96, tracker.Watermark);
        Assert.Equal([new OffsetRange(97, 101), new OffsetRange(105, 107)], tracker.DoneAbove());
        Assert.True(tracker.IsDone(95));
        Assert.False(tracker.IsDone(96));
        Assert.True(tracker.IsDone(99));
        Assert.False(tracker.IsDone(101));
        Assert.False(tracker.IsDone(107));

        tracker.MarkDone(96);
        Assert.Equal(101, tracker.Watermark);
        Assert.Equal([new OffsetRange(105, 107)], tracker.DoneAbove());
    }

    [Fact]
    public void Ranges_a_previous_owner_committed_are_done_within_the_window_and_the_watermark_passes_them()
    {
        var tracker = new OffsetTracker(8, start: 10);
        tracker.MarkDone([new OffsetRange(11, 13), new OffsetRange(15, 16), new OffsetRange(17, 30)]);

        Assert.True(tracker.IsDone(12));
        Assert.True(tracker.IsDone(17));
        Assert.False(tracker.IsDone(18)); // beyond the window of 8: forgotten, handled again
        Assert.Equal([new OffsetRange(11, 13), new OffsetRange(15, 16), new OffsetRange(17, 18)], tracker.DoneAbove());

        tracker.MarkDone(10);
        Assert.Equal(13, tracker.Watermark);
        tracker.MarkDone(13);
        tracker.MarkDone(14);
        Assert.Equal(16, tracker.Watermark);
        tracker.MarkDone(16);
        Assert.Equal(18, tracker.Watermark);
        Assert.Empty(tracker.DoneAbove());
    }

    [Fact]
    public void The_watermark_starts_at_the_given_offset_and_reset_moves_it()
    {
        var tracker = new OffsetTracker(4, start: 100);
        Assert.Equal(100, tracker.Watermark);
        tracker.MarkDone(100);
        Assert.Equal(101, tracker.Watermark);
        tracker.Reset(500);
        Assert.Equal(500, tracker.Watermark);
        tracker.MarkDone(501);
        Assert.Equal(500, tracker.Watermark);
    }

    [Fact]
    public void Wait_for_watermark_completes_only_once_the_watermark_reaches_the_target()
    {
        var tracker = new OffsetTracker(8, start: 0);
        Assert.Null(tracker.WaitForWatermark(0));

        var wait = tracker.WaitForWatermark(3);
        Assert.NotNull(wait);
        tracker.MarkDone(1);
        tracker.MarkDone(2);
        Assert.False(wait.IsCompleted);
        tracker.MarkDone(0);
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.Null(tracker.WaitForWatermark(3));

        var later = tracker.WaitForWatermark(5);
        Assert.NotNull(later);
        tracker.MarkDone(3);
        Assert.False(later.IsCompleted);
        tracker.MarkDone(4);
        Assert.True(later.IsCompletedSuccessfully);
    }

    [Fact]
    public void Marking_an_offset_outside_the_window_throws()
    {
        var tracker = new OffsetTracker(8, start: 10);
        Assert.Throws<InvalidOperationException>(() => tracker.MarkDone(18));
        Assert.Throws<InvalidOperationException>(() => tracker.MarkDone(9));
        tracker.MarkDone(17);
        tracker.MarkDone(10);
        Assert.Equal(11, tracker.Watermark);

        // Done offsets are below the watermark: marking one again is a bug in the caller.
        Assert.Throws<InvalidOperationException>(() => tracker.MarkDone(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OffsetTracker(0, 0));
    }

    [Fact]
    public void Any_completion_order_ends_at_n_and_the_watermark_never_passes_an_undone_offset()
    {
        var gen = Gen.Int[1, 300].SelectMany(n => Gen.Shuffle(Enumerable.Range(0, n).ToArray()));
        gen.Sample(
            order =>
            {
                var n = order.Length;
                var tracker = new OffsetTracker(n, start: 0);
                var done = new bool[n];
                long lowestUndone = 0;
                foreach (var offset in order)
                {
                    tracker.MarkDone(offset);
                    done[offset] = true;
                    while (lowestUndone < n && done[lowestUndone])
                    {
                        lowestUndone++;
                    }

                    if (tracker.Watermark != lowestUndone)
                    {
                        return false;
                    }
                }

                return tracker.Watermark == n;
            },
            iter: 500);
    }

    [Fact]
    public void Completions_within_a_sliding_window_of_any_capacity_keep_the_watermark_exact()
    {
        // The fetch loop never has more than Capacity offsets in flight; complete random ones of those.
        var gen = Gen.Select(Gen.Int[1, 40], Gen.Int[1, 400], Gen.Int);
        gen.Sample(
            (capacity, total, seed) =>
            {
                var random = new Random(seed);
                var tracker = new OffsetTracker(capacity, start: 7);
                var inFlight = new List<long>();
                var done = new HashSet<long>();
                long next = 7;
                long end = 7 + total;
                while (tracker.Watermark < end)
                {
                    while (next < end && next < tracker.Watermark + capacity)
                    {
                        inFlight.Add(next++);
                    }

                    var i = random.Next(inFlight.Count);
                    var offset = inFlight[i];
                    inFlight.RemoveAt(i);
                    tracker.MarkDone(offset);
                    done.Add(offset);
                    var expected = tracker.Watermark;
                    for (var o = 7L; o < expected; o++)
                    {
                        if (!done.Contains(o))
                        {
                            return false;
                        }
                    }

                    if (expected < end && done.Contains(expected))
                    {
                        return false;
                    }
                }

                return inFlight.Count == 0 && tracker.Watermark == end;
            },
            iter: 300);
    }
}
