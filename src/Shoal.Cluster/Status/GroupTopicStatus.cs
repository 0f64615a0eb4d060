namespace Shoal.Cluster;

/// <summary>A group's progress on one topic.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partitions">Every partition of the topic, in order.</param>
/// <param name="DeadLetters">Events in the group's dead-letter topic (its end offsets summed; 0 when it does not exist).</param>
public sealed record GroupTopicStatus(string Topic, IReadOnlyList<PartitionStatus> Partitions, long DeadLetters)
{
    /// <summary>The group's lag on the topic: events appended but not yet committed, over every partition.</summary>
    public long Lag => Partitions.Sum(p => p.Lag);
}
