using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>Reads the committed offsets of a topic's groups (the records under <see cref="CoordinationKeys.TopicOffsetsPrefix"/>, decoded by <see cref="CommittedOffset.Read"/>).</summary>
internal static class CommittedOffsetScan
{
    /// <summary>
    /// Every committed offset record among <paramref name="entries"/> of a partition below <paramref name="partitions"/>
    /// that decodes (<see cref="CommittedOffset.Read"/>). Records that do not decode are skipped.
    /// </summary>
    public static IEnumerable<StoredCommittedOffset> Records(IReadOnlyList<KvEntry> entries, int partitions) =>
        CommittedOffset.Read(entries).Where(r => r.Partition < partitions);

    /// <summary>The retention floor an engine hands its event log: the lowest committed offsets read from <paramref name="store"/>.</summary>
    public static RetentionFloor FloorOf(InProcessCoordinationStore store) =>
        (topic, partitions) => LowestPerPartition(store.List(CoordinationKeys.TopicOffsetsPrefix(topic)), partitions);

    /// <summary>
    /// Returns, per partition, the lowest committed offset over the topic's groups, or -1 when no group has a record
    /// for it. A group that has committed some partitions of the topic but not this one counts as offset 0 (it has
    /// not processed anything there yet), so nothing is trimmed.
    /// </summary>
    public static long[] LowestPerPartition(IReadOnlyList<KvEntry> entries, int partitions)
    {
        var lowest = new long[partitions];
        var groupsPerPartition = new int[partitions];
        Array.Fill(lowest, long.MaxValue);
        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, group, partition, committed, _) in Records(entries, partitions))
        {
            groups.Add(group);
            groupsPerPartition[partition]++;
            lowest[partition] = Math.Min(lowest[partition], committed.Offset);
        }

        for (var p = 0; p < partitions; p++)
        {
            lowest[p] = groupsPerPartition[p] == 0 ? -1
                : groupsPerPartition[p] < groups.Count ? 0
                : lowest[p];
        }

        return lowest;
    }
}
