using Shoal.Engine;

namespace Shoal.Engines.InProcess;

internal sealed partial class PartitionLog
{
    /// <summary>
    /// Stores a batch whose sizes were already checked. Ids <paramref name="dedup"/> remembers for this partition (the
    /// caller holds the topic's de-duplication lock) are not stored; their result carries the original's offset. Payloads
    /// are copied into the partition's payload slabs (see <see cref="CopyPayload"/>). Size and count
    /// retention are applied before returning. Returns the readers' signal to complete, if any were waiting.
    /// </summary>
    public TaskCompletionSource? Append(
        ReadOnlySpan<EventEnvelope> events,
        Span<AppendedEvent> results,
        DeduplicationIndex? dedup,
        long nowTicks,
        RetentionOptions retention)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var ticks = _lastAppendTicks = Math.Max(_lastAppendTicks, nowTicks);
            var stored = 0;
            for (var i = 0; i < events.Length; i++)
            {
                ref readonly var e = ref events[i];
                if (dedup is not null && e.Deduplicate && !string.IsNullOrEmpty(e.Id))
                {
                    if (dedup.TryGet(_partition, e.Id, out var original))
                    {
                        results[i] = new AppendedEvent(original, Duplicate: true);
                        continue;
                    }

                    dedup.Add(_partition, e.Id, _end, nowTicks);
                }

                results[i] = new AppendedEvent(_end, Duplicate: false);
                Store(e with { Partition = _partition, Offset = _end, Payload = CopyPayload(e.Payload.Span) }, ticks);
                stored++;
            }

            if (stored == 0)
            {
                return null;
            }

            ApplySizeRetention(retention);
            if (_journal is not null)
            {
                // Readers see these events once FlushAsync has made them durable.
                return null;
            }

            _visibleEnd = _end;
            var waiter = _waiter;
            _waiter = null;
            return waiter;
        }
    }

    private ReadOnlyMemory<byte> CopyPayload(ReadOnlySpan<byte> payload) => _payloads.Copy(payload);

    private void Store(in EventEnvelope e, long ticks)
    {
        // The journal write comes first: if it throws, memory is unchanged.
        var address = _journal?.Write(e, ticks) ?? 0;
        StoreInMemory(e, ticks, address);
    }

    private void StoreInMemory(in EventEnvelope e, long ticks, long address)
    {
        var segment = _segments.Count == 0 ? null : _segments[^1];
        if (segment is null || segment.Count == _segmentSize)
        {
            // A partition that has filled a segment gets its next ones at full size: doubling again would copy every
            // envelope about once more. Only a partition's first segment starts small.
            segment = _filledSegment ? NewFullSegment(_end) : new Segment(_end, Math.Min(InitialSegmentCapacity, _segmentSize));
            segment.FirstAddress = address;
            if (_journal is not null)
            {
                segment.Addresses = new long[segment.Events.Length];
            }

            _segments.Add(segment);
            _hot++;
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
            if (segment.Addresses is { } addresses)
            {
                Array.Resize(ref addresses, capacity);
                segment.Addresses = addresses;
            }
        }

        segment.Events[segment.Count] = e;
        segment.AppendTicks[segment.Count] = ticks;
        if (segment.Addresses is { } slots)
        {
            slots[segment.Count] = address;
            _lastAddress = address;
        }

        segment.Count++;
        _filledSegment |= segment.Count == _segmentSize;
        segment.Bytes += e.Payload.Length;
        segment.LastAppendTicks = ticks;
        if (e.Deduplicate && !string.IsNullOrEmpty(e.Id))
        {
            segment.Deduplicated++;
        }

        _end++;
        _bytes += e.Payload.Length;
    }

    /// <summary>
    /// Copies payloads into 64 KiB slabs (a new slab when one does not fit; a payload larger than a quarter slab gets
    /// its own array). Slabs stay below the large-object threshold, so appends never allocate on the large-object
    /// heap, and a slab is collected once every event pointing into it is trimmed.
    /// </summary>
    private sealed class PayloadSlabs
    {
        private byte[]? _slab;
        private int _used;

        public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> payload)
        {
            if (payload.IsEmpty)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            if (payload.Length > SlabSize / 4)
            {
                return payload.ToArray();
            }

            if (_slab is null || SlabSize - _used < payload.Length)
            {
                _slab = GC.AllocateUninitializedArray<byte>(SlabSize);
                _used = 0;
            }

            var copy = _slab.AsMemory(_used, payload.Length);
            payload.CopyTo(copy.Span);
            _used += payload.Length;
            return copy;
        }
    }
}
