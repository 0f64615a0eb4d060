using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>Reads the committed offsets of a topic's groups (the records under <see cref="CoordinationKeys.TopicOffsetsPrefix"/>).</summary>
internal static class CommittedOffsetScan
{
    /// <summary>
    /// Every record <c>{prefix}{group}/{partition}</c> of a partition below <paramref name="partitions"/> that decodes, with
    /// its group, partition and entry. Records that do not decode are skipped.
    /// </summary>
    public static IEnumerable<(string Group, int Partition, CommittedOffset Committed, KvEntry Entry)> Records(IReadOnlyList<KvEntry> entries, string prefix, int partitions)
    {
        foreach (var entry in entries)
        {
            var rest = entry.Key.AsSpan(prefix.Length);
            var slash = rest.LastIndexOf('/');
            if (slash <= 0
                || !int.TryParse(rest[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var partition)
                || partition >= partitions
                || !CommittedOffset.TryDecode(entry.Value.Span, out var committed))
            {
                continue;
            }

            yield return (rest[..slash].ToString(), partition, committed, entry);
        }
    }

    /// <summary>
    /// Returns, per partition, the lowest committed offset over the topic's groups, or -1 when no group has a record
    /// for it. A group that has committed some partitions of the topic but not this one counts as offset 0 (it has
    /// not processed anything there yet), so nothing is trimmed.
    /// </summary>
    public static long[] LowestPerPartition(IReadOnlyList<KvEntry> entries, string prefix, int partitions)
    {
        var lowest = new long[partitions];
        var groupsPerPartition = new int[partitions];
        Array.Fill(lowest, long.MaxValue);
        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (group, partition, committed, _) in Records(entries, prefix, partitions))
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
