namespace Shoal.Engines.InProcess;

internal sealed partial class PartitionLog
{
    /// <summary>
    /// Puts back an event read from the journal at start-up (offsets must follow each other; the first one sets the
    /// start offset). The event becomes readable at once: it is already durable.
    /// </summary>
    public void Restore(in EventEnvelope e, long appendTicks, long address)
    {
        lock (_gate)
        {
            if (_end == 0 && _segments.Count == 0)
            {
                _start = _end = e.Offset;
            }
            else if (e.Offset != _end)
            {
                throw new InvalidOperationException($"offset {e.Offset} follows offset {_end - 1}");
            }

            _lastAppendTicks = Math.Max(_lastAppendTicks, appendTicks);
            StoreInMemory(e with { Partition = _partition, Payload = CopyPayload(e.Payload.Span) }, appendTicks, address);
            _visibleEnd = _end;
            CoolDurableSegments();
        }
    }

    /// <summary>
    /// The held events that asked for de-duplication, newest first: id, offset and append time. Only for recovery,
    /// before the log is shared. Cold segments holding such events are read back from the journal as the caller
    /// goes (it stops once it has the topic's newest ids); cold segments without any are skipped unread.
    /// </summary>
    public IEnumerable<(string Id, long Offset, long AppendTicks)> DeduplicatedNewestFirst()
    {
        for (var s = _segments.Count - 1; s >= 0; s--)
        {
            var segment = _segments[s];
            if (segment.Deduplicated == 0)
            {
                continue;
            }

            EventEnvelope[] events;
            long[] appendTicks;
            lock (_gate)
            {
                Loaded(segment);
                events = segment.Events;
                appendTicks = segment.AppendTicks;
            }

            var first = s == 0 ? (int)(_start - segment.BaseOffset) : 0;
            for (var i = segment.Count - 1; i >= first; i--)
            {
                var e = events[i];
                if (e.Deduplicate && !string.IsNullOrEmpty(e.Id))
                {
                    yield return (e.Id, e.Offset, appendTicks[i]);
                }
            }
        }
    }

    /// <summary>True when events were appended that are not yet durable (and so not yet readable).</summary>
    public bool HasUnflushed
    {
        get
        {
            lock (_gate)
            {
                return _visibleEnd < _end;
            }
        }
    }

    /// <summary>
    /// Makes every event appended so far durable (one journal commit, shared by every caller waiting at the same time),
    /// then readable. Throws what the journal throws when the write fails; nothing becomes readable then.
    /// </summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        long end;
        long address;
        lock (_gate)
        {
            ThrowIfDisposed();
            end = _end;
            address = _journal!.TailAddress;
        }

        await _journal.CommitAsync(address, cancellationToken);
        TaskCompletionSource? waiter = null;
        lock (_gate)
        {
            if (end > _visibleEnd)
            {
                _visibleEnd = end;
                waiter = _waiter;
                _waiter = null;
                CoolDurableSegments();
            }
        }

        waiter?.TrySetResult();
    }
}
