using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>Finds, per partition, the lowest offset every group of a topic has committed past.</summary>
internal static class CommittedOffsetScan
{
    /// <summary>
    /// Reads the records under <see cref="CoordinationKeys.TopicOffsetsPrefix"/> (<c>.../{group}/{partition}</c>) and
    /// returns, per partition, the lowest committed offset over the topic's groups, or -1 when no group has a record
    /// for it. A group that has committed some partitions of the topic but not this one counts as offset 0 (it has
    /// not processed anything there yet), so nothing is trimmed. Records that do not decode are ignored.
    /// </summary>
    public static long[] LowestPerPartition(IReadOnlyList<KvEntry> entries, string prefix, int partitions)
    {
        var lowest = new long[partitions];
        var groupsPerPartition = new int[partitions];
        Array.Fill(lowest, long.MaxValue);
        var groups = new HashSet<string>(StringComparer.Ordinal);
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

            groups.Add(rest[..slash].ToString());
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
