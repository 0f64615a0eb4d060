using Shoal.Engine;

namespace Shoal.Cluster.Autoscaling;

/// <summary>
/// Reads what the autoscaling policy needs from an engine: per-partition lag from the log's end offsets and the
/// group's committed offsets, live members from their heartbeat records, and rates from the differences between
/// consecutive samples. Read-only; any process that can open the engine can run one (a member, <c>shoal status</c>,
/// <c>shoal supervise</c>). Sample at a steady interval of a few commit intervals: committed offsets move in steps.
/// </summary>
/// <remarks>Not thread-safe: one caller samples at a time.</remarks>
public sealed class AutoscaleObserver
{
    private readonly IShoalEngine _engine;
    private readonly TimeProvider _time;
    private readonly TimeSpan _sessionTtl;
    private long[]? _previousEnd;
    private long[]? _previousCommitted;
    private bool _previousAllBusy;
    private DateTimeOffset _previousAt;
    private double _perMember;

    /// <summary>Observes <paramref name="group"/> consuming <paramref name="topic"/> on <paramref name="engine"/>.</summary>
    public AutoscaleObserver(IShoalEngine engine, string topic, string group, TimeProvider? timeProvider = null, ClusterOptions? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        NameRules.Validate("topic", topic);
        NameRules.Validate("group", group);
        cluster ??= ClusterOptions.Default;
        cluster.Validate();
        _engine = engine;
        Topic = topic;
        Group = group;
        _time = timeProvider ?? TimeProvider.System;
        _sessionTtl = cluster.SessionTtl;
    }

    /// <summary>The topic whose lag is observed.</summary>
    public string Topic { get; }

    /// <summary>The group whose members and rates are observed.</summary>
    public string Group { get; }

    /// <summary>Reads lag, members and rates now.</summary>
    /// <exception cref="TopicNotFoundException">The topic does not exist.</exception>
    public async ValueTask<AutoscaleSample> SampleAsync(CancellationToken cancellationToken = default)
    {
        var topic = await _engine.Log.DescribeTopicAsync(Topic, cancellationToken) ?? throw new TopicNotFoundException(Topic);
        var partitions = topic.Partitions;
        var end = new long[partitions];
        var committed = new long[partitions];
        var lag = new long[partitions];
        for (var p = 0; p < partitions; p++)
        {
            var offsets = await _engine.Log.GetOffsetsAsync(Topic, p, cancellationToken);
            var entry = await _engine.Coordination.GetAsync(CoordinationKeys.Offset(Topic, Group, p), cancellationToken);

            // No commit yet: the group starts at the first retained event (StartPosition.Earliest, the default).
            committed[p] = entry is { } e && CommittedOffset.TryDecode(e.Value.Span, out var record) ? record.Offset : offsets.Start;
            end[p] = offsets.End;
            lag[p] = Math.Max(0, offsets.End - committed[p]);
        }

        var now = _time.GetUtcNow();
        var live = await LiveMembersAsync(now, cancellationToken);
        double arrival = 0, processed = 0;
        var allBusy = lag.All(l => l > 0);
        if (_previousEnd is { } previousEnd && _previousCommitted is { } previousCommitted && previousEnd.Length == partitions && now > _previousAt)
        {
            var seconds = (now - _previousAt).TotalSeconds;
            arrival = Enumerable.Range(0, partitions).Sum(p => Math.Max(0, end[p] - previousEnd[p])) / seconds;
            processed = Enumerable.Range(0, partitions).Sum(p => Math.Max(0, committed[p] - previousCommitted[p])) / seconds;
            if (allBusy && _previousAllBusy && live > 0 && processed > 0)
            {
                _perMember = processed / live;
            }
        }

        _previousEnd = end;
        _previousCommitted = committed;
        _previousAllBusy = allBusy;
        _previousAt = now;
        return new AutoscaleSample(now, lag, live, arrival, processed, _perMember);
    }

    private async ValueTask<int> LiveMembersAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entries = await _engine.Coordination.ListAsync(CoordinationKeys.GroupMembersPrefix(Group), cancellationToken);
        var records = new List<MemberRecord>(entries.Count);
        foreach (var entry in entries)
        {
            if (MemberRecordCodec.TryDecode(entry.Value.Span, out var record) && record is not null)
            {
                records.Add(record);
            }
        }

        return MembershipView.Compute(records, now, _sessionTtl).Live.Count;
    }
}
