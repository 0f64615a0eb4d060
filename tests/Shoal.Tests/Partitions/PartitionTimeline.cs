using System.Diagnostics;
using System.Globalization;
using System.Text;
using Shoal.Cluster;

namespace Shoal.Tests.Partitions;

/// <summary>
/// What a partition test saw, on one clock from the test's start: the group's status sampled every few hundred
/// milliseconds (commits, lag, owners) and the faults as they were made and healed. It measures stalls — the longest
/// time without a commit while events were waiting — and writes the timeline one line a second.
/// </summary>
internal sealed class PartitionTimeline
{
    /// <summary>A longer time between two samples (taken every 250 ms) is a gap in what the test saw.</summary>
    private static readonly TimeSpan UnobservedGap = TimeSpan.FromSeconds(1);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Sample> _samples = [];
    private readonly List<(TimeSpan At, string What)> _marks = [];

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Records a fault or a heal (or anything else worth a line) at this moment.</summary>
    public void Mark(string what)
    {
        lock (_marks)
        {
            _marks.Add((Now, what));
        }
    }

    /// <summary>The moment of the first mark that starts with <paramref name="prefix"/>.</summary>
    public TimeSpan MarkOf(string prefix)
    {
        lock (_marks)
        {
            return _marks.First(m => m.What.StartsWith(prefix, StringComparison.Ordinal)).At;
        }
    }

    public void Add(GroupTopicStatus status) => Add(Now, status);

    public void Add(TimeSpan at, GroupTopicStatus status, IReadOnlyDictionary<string, string>? health = null)
    {
        lock (_samples)
        {
            _samples.Add(new Sample(at, status, health ?? new Dictionary<string, string>()));
        }
    }

    /// <summary>Records a sample of the group's status on <paramref name="topic"/> with each member's health (as <c>shoal status</c> shows it).</summary>
    public void Add(GroupStatus group, string topic)
    {
        if (group.Topics.FirstOrDefault(t => t.Topic == topic) is { } status)
        {
            Add(Now, status, group.Members.ToDictionary(m => m.Record.MemberId, m => m.Live ? m.Record.Health.ToString().ToLowerInvariant() : "dead"));
        }
    }

    /// <summary>How long after <paramref name="from"/> <paramref name="member"/> was first shown as not healthy (degraded, unhealthy, dead or gone), or null when it never was.</summary>
    public TimeSpan? NotHealthyWithin(string member, TimeSpan from) =>
        Samples().FirstOrDefault(s => s.At >= from && s.Health.Count > 0 && s.Health.GetValueOrDefault(member, "gone") != "healthy") is { } sample
            ? sample.At - from
            : null;

    /// <summary>The lowest group lag sampled between <paramref name="from"/> and <paramref name="until"/>, or null with no sample.</summary>
    public long? LowestLag(TimeSpan from, TimeSpan until) =>
        Samples().Where(s => s.At >= from && s.At <= until).Select(s => (long?)s.Lag).Min();

    /// <summary>
    /// The group's longest time without any commit while events were waiting, from <paramref name="from"/> on: from the
    /// last sample before the stall to the first showing progress again (to the last sample when none came).
    /// </summary>
    public Stall LongestGroupStall(TimeSpan from) => LongestStall(from, s => s.Committed, s => s.Lag, "group");

    /// <summary>The longest time one partition went without a commit while it had events waiting, from <paramref name="from"/> on.</summary>
    public Stall LongestPartitionStall(TimeSpan from)
    {
        var partitions = Samples().SelectMany(s => s.Status.Partitions.Select(p => p.Partition)).Distinct();
        return partitions
            .Select(p => LongestStall(from, s => Of(s, p)?.Committed ?? 0, s => Of(s, p)?.Lag ?? 0, $"partition {p}"))
            .MaxBy(s => s.Length) ?? new Stall("none", TimeSpan.Zero, TimeSpan.Zero);
    }

    /// <summary>
    /// How long after <paramref name="from"/> the group's lag was first at most <paramref name="lag"/> events again (the first
    /// sample's distance from it when it already was), or null when it never was.
    /// </summary>
    public TimeSpan? BackWithin(TimeSpan from, long lag) =>
        Samples().FirstOrDefault(s => s.At >= from && s.Lag <= lag) is { } sample ? sample.At - from : null;

    /// <summary>One line a second: commits in that second, lag and owners at its end, and the marks made in it.</summary>
    public string Describe()
    {
        var samples = Samples();
        (TimeSpan At, string What)[] marks;
        lock (_marks)
        {
            marks = [.. _marks];
        }

        var text = new StringBuilder();
        var previous = 0L;
        foreach (var second in samples.GroupBy(s => (int)s.At.TotalSeconds))
        {
            var last = second.Last();
            var owners = string.Join(" ", last.Status.Partitions.GroupBy(p => p.Owner ?? "-").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}:{g.Count()}"));
            var events = marks.Where(m => (int)m.At.TotalSeconds == second.Key).Select(m => $"  << {m.What} at {m.At.TotalSeconds:0.0} s");
            var unwell = string.Join(" ", last.Health.Where(h => h.Value != "healthy").OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}:{h.Value}"));
            text.AppendLine(CultureInfo.InvariantCulture, $"t={second.Key,3} s  committed {last.Committed,7} (+{last.Committed - previous,5})  lag {last.Lag,6}  owners {owners}{(unwell.Length > 0 ? "  not healthy " + unwell : string.Empty)}{string.Concat(events)}");
            previous = last.Committed;
        }

        return text.ToString();
    }

    /// <summary>
    /// The longest time between <paramref name="from"/> and <paramref name="until"/> (the producer's end) in which nothing new
    /// was published: the group's end offsets (committed + lag) did not grow.
    /// </summary>
    public Stall LongestPublishStall(TimeSpan from, TimeSpan until) =>
        LongestStall(from, s => s.Committed + s.Lag, _ => 1, "publishing", until);

    private Stall LongestStall(TimeSpan from, Func<Sample, long> committed, Func<Sample, long> lag, string what, TimeSpan? until = null)
    {
        var samples = Samples().Where(s => s.At >= from && s.At <= (until ?? TimeSpan.MaxValue)).ToList();
        var longest = new Stall(what, TimeSpan.Zero, TimeSpan.Zero);
        TimeSpan? since = null;
        // Progress is a commit above every one seen before: a read that briefly shows less (a record read mid-update)
        // neither ends nor starts a stall.
        var highest = samples.Count == 0 ? 0 : committed(samples[0]);
        for (var i = 1; i < samples.Count; i++)
        {
            var (before, now) = (samples[i - 1], samples[i]);
            if (committed(now) > highest)
            {
                highest = committed(now);
                // Status that could not be read for a while (the test's own reads cut or failing) is no proof of progress
                // during the gap: it counts as stalled up to the sample that shows the commit.
                if (since is null && lag(before) > 0 && now.At - before.At > UnobservedGap)
                {
                    since = before.At;
                }

                longest = Longer(longest, since, now.At, what);
                since = null;
            }
            else if (since is null && lag(before) > 0)
            {
                since = before.At;
            }
        }

        return samples.Count == 0 ? longest : Longer(longest, since, samples[^1].At, what);
    }

    private static Stall Longer(Stall longest, TimeSpan? since, TimeSpan until, string what) =>
        since is { } start && until - start > longest.Length ? new Stall(what, start, until - start) : longest;

    private static PartitionStatus? Of(Sample sample, int partition) => sample.Status.Partitions.FirstOrDefault(p => p.Partition == partition);

    private List<Sample> Samples()
    {
        lock (_samples)
        {
            return [.. _samples.OrderBy(s => s.At)];
        }
    }

    /// <summary>A stall: whose (the group or one partition), when it began on the timeline, how long it lasted.</summary>
    public sealed record Stall(string Of, TimeSpan Start, TimeSpan Length)
    {
        public override string ToString() => Length == TimeSpan.Zero ? "none" : $"{Length.TotalSeconds:0.0} s ({Of}, from t={Start.TotalSeconds:0.0} s)";
    }

    private sealed record Sample(TimeSpan At, GroupTopicStatus Status, IReadOnlyDictionary<string, string> Health)
    {
        public long Committed => Status.Partitions.Sum(p => p.Committed ?? 0);

        public long Lag => Status.Lag;
    }
}
