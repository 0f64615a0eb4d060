using Shoal.Cluster;

namespace Shoal.Server.Status;

/// <summary>Turns the cluster layer's <see cref="GroupStatus"/> into the API's JSON shape.</summary>
internal static class StatusMapper
{
    public static GroupResponse ToResponse(GroupStatus status, IReadOnlyDictionary<string, double>? handledPerSecond = null) => new(
        status.Group,
        status.At,
        [.. status.Members.Select(m => new MemberResponse(
            m.Record.MemberId,
            m.Live,
            m.Live ? m.Record.Health.ToString().ToLowerInvariant() : "dead",
            m.Record.Weight,
            m.Record.Capacity,
            m.Record.Load.InFlight,
            m.Record.Load.EventsPerSecond,
            m.Record.HeartbeatAt,
            m.Record.Address,
            status.Topics.Sum(t => t.Partitions.Count(p => p.Owner == m.Record.MemberId))))],
        [.. status.Topics.Select(t => new GroupTopicResponse(
            t.Topic,
            t.Lag,
            t.DeadLetters,
            handledPerSecond is not null && handledPerSecond.TryGetValue(t.Topic, out var rate) ? rate : null,
            [.. t.Partitions.Select(p => new PartitionResponse(p.Partition, p.Owner, p.Epoch, p.Committed, p.End, p.Lag))]))]);
}
