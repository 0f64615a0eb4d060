using Shoal.Engine;

namespace Shoal.Engines.InProcess;

internal sealed partial class PartitionLog
{
    /// <summary>
    /// Stores a batch whose sizes were already checked. Ids remembered by <paramref name="dedup"/> (the caller
    /// holds the topic's de-duplication lock) are not stored; their result carries the original offset. Payloads
    /// are taken from <paramref name="payloads"/>, the batch's payloads copied back to back. Size and count
    /// retention are applied before returning. Returns the readers' signal to complete, if any were waiting.
    /// </summary>
    public TaskCompletionSource? Append(
        ReadOnlySpan<EventEnvelope> events,
        Span<AppendedEvent> results,
        ReadOnlyMemory<byte> payloads,
        DeduplicationIndex? dedup,
        long nowTicks,
        RetentionOptions retention)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var ticks = _lastAppendTicks = Math.Max(_lastAppendTicks, nowTicks);
            var position = 0;
            var stored = 0;
            for (var i = 0; i < events.Length; i++)
            {
                ref readonly var e = ref events[i];
                var length = e.Payload.Length;
                var payload = payloads.Slice(position, length);
                position += length;
                if (dedup is not null && !string.IsNullOrEmpty(e.Id))
                {
                    if (dedup.TryGet(e.Id, out var original))
                    {
                        results[i] = new AppendedEvent(original, Duplicate: true);
                        continue;
                    }

                    dedup.Add(e.Id, _end, nowTicks);
                }

                results[i] = new AppendedEvent(_end, Duplicate: false);
                Store(e with { Partition = _partition, Offset = _end, Payload = payload }, ticks);
                stored++;
            }

            if (stored == 0)
            {
                return null;
            }

            ApplySizeRetention(retention);
            var waiter = _waiter;
            _waiter = null;
            return waiter;
        }
    }

    private void Store(in EventEnvelope e, long ticks)
    {
        var segment = _segments.Count == 0 ? null : _segments[^1];
        if (segment is null || segment.Count == _segmentSize)
        {
            segment = new Segment(_end, Math.Min(InitialSegmentCapacity, _segmentSize));
            _segments.Add(segment);
        }
        else if (segment.Count == segment.Events.Length)
        {
            var capacity = Math.Min(segment.Events.Length * 2, _segmentSize);
            var events = segment.Events;
            var appendTicks = segment.AppendTicks;
            Array.Resize(ref events, capacity);
            Array.Resize(ref appendTicks, capacity);
            segment.Events = events;
            segment.AppendTicks = appendTicks;
        }

        segment.Events[segment.Count] = e;
        segment.AppendTicks[segment.Count] = ticks;
        segment.Count++;
        _end++;
        _bytes += e.Payload.Length;
    }
}
