using Shoal.Engine;

namespace Shoal.Engines.InProcess;

internal sealed partial class InProcessEventLog
{
    /// <summary>Checks every event's size, throwing <see cref="EventTooLargeException"/> before anything is stored.</summary>
    private void CheckSizes(string topic, ReadOnlySpan<EventEnvelope> events)
    {
        var limit = _options.MaxEventBytes;
        foreach (ref readonly var e in events)
        {
            var size = EventSize.Of(e);
            if (size > limit)
            {
                throw new EventTooLargeException(topic, e.Id, (int)Math.Min(size, int.MaxValue), limit);
            }
        }
    }

    /// <summary>Applies retention by age and by committed offsets to every partition of the topic.</summary>
    private void ApplyLazyRetention(TopicLog log, long nowTicks)
    {
        var retention = log.Options.Retention;
        if (retention.MaxAge != Timeout.InfiniteTimeSpan)
        {
            var cutoff = nowTicks - retention.MaxAge.Ticks;
            foreach (var partition in log.Partitions)
            {
                partition.TrimAppendedBefore(cutoff);
            }
        }

        if (retention.TrimCommitted)
        {
            var lowest = _retentionFloor(log.Options.Name, log.Partitions.Count);
            for (var p = 0; p < lowest.Length; p++)
            {
                if (lowest[p] > 0)
                {
                    log.Partitions[p].TrimBelow(lowest[p]);
                }
            }
        }
    }
}
