using Shoal.Cluster;
using Xunit;

namespace Shoal.Tests.Partitions;

/// <summary>The stall measure of the partition tests: the longest time without a commit while events waited.</summary>
public sealed class PartitionTimelineTests
{
    [Fact]
    public void A_stall_runs_from_the_last_sample_before_it_to_the_first_commit_after_it()
    {
        var timeline = new PartitionTimeline();
        Add(timeline, 0, (10, 5), (10, 5));
        Add(timeline, 1, (20, 5), (20, 5));
        Add(timeline, 2, (20, 5), (30, 5));   // partition 0 stops committing
        Add(timeline, 3, (20, 5), (40, 5));
        Add(timeline, 4, (25, 5), (50, 5));   // and goes on at 4 s
        Add(timeline, 5, (30, 0), (60, 0));

        Assert.Equal(TimeSpan.FromSeconds(3), timeline.LongestPartitionStall(TimeSpan.Zero).Length);
        Assert.Equal("partition 0", timeline.LongestPartitionStall(TimeSpan.Zero).Of);
        Assert.Equal(TimeSpan.Zero, timeline.LongestGroupStall(TimeSpan.Zero).Length);
        Assert.Equal(TimeSpan.FromSeconds(2), timeline.LongestPartitionStall(TimeSpan.FromSeconds(2)).Length);
    }

    [Fact]
    public void No_commit_without_waiting_events_is_no_stall_and_a_dip_in_a_read_is_no_progress()
    {
        var timeline = new PartitionTimeline();
        Add(timeline, 0, (10, 0));
        Add(timeline, 5, (10, 0));    // idle: nothing waits
        Add(timeline, 6, (10, 3));
        Add(timeline, 7, (4, 3));     // a read showing less
        Add(timeline, 8, (10, 3));    // back to where it was: still no commit
        Add(timeline, 9, (11, 0));

        Assert.Equal(TimeSpan.FromSeconds(3), timeline.LongestGroupStall(TimeSpan.Zero).Length);
    }

    [Fact]
    public void Time_without_a_status_read_counts_as_stalled_and_publishing_stops_when_end_offsets_do_not_grow()
    {
        var timeline = new PartitionTimeline();
        Add(timeline, 0, (10, 5));
        Add(timeline, 1, (20, 5));
        Add(timeline, 9, (30, 0));    // 8 s without a read: the commit may have come at any time in them
        Add(timeline, 10, (30, 0));
        Add(timeline, 12, (30, 0));   // nothing published from 9 s to 13 s
        Add(timeline, 13, (31, 4));

        Assert.Equal(TimeSpan.FromSeconds(8), timeline.LongestGroupStall(TimeSpan.Zero).Length);
        Assert.Equal(TimeSpan.FromSeconds(4), timeline.LongestPublishStall(TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(13)).Length);
        Assert.Equal(TimeSpan.FromSeconds(3), timeline.LongestPublishStall(TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(12)).Length);
    }

    /// <summary>A sample at <paramref name="second"/>: per partition (committed, lag).</summary>
    private static void Add(PartitionTimeline timeline, int second, params (long Committed, long Lag)[] partitions) =>
        timeline.Add(TimeSpan.FromSeconds(second), new GroupTopicStatus(
            "orders",
            [.. partitions.Select((p, i) => new PartitionStatus(i, "w1", 1, p.Committed, 0, p.Committed + p.Lag))],
            0));
}
