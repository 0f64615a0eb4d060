namespace Shoal.Engines.InProcess;

internal sealed partial class PartitionLog
{
    /// <summary>Discards every event below <paramref name="offset"/> (clamped to the end offset).</summary>
    public void TrimBelow(long offset)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                TrimTo(Math.Min(offset, _end));
            }
        }
    }

    /// <summary>Discards every event appended before <paramref name="cutoffTicks"/>.</summary>
    public void TrimAppendedBefore(long cutoffTicks)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var offset = _start;
            while (offset < _end)
            {
                var segment = _segments[SegmentIndex(offset)];
                if (segment.LastAppendTicks < cutoffTicks)
                {
                    offset = segment.BaseOffset + segment.Count;
                    continue;
                }

                var appendTicks = Skimmed(segment).AppendTicks;
                var within = (int)(offset - segment.BaseOffset);
                while (appendTicks[within] < cutoffTicks)
                {
                    within++;
                }

                offset = segment.BaseOffset + within;
                break;
            }

            TrimTo(offset);
        }
    }

    private void ApplySizeRetention(RetentionOptions retention)
    {
        if (_end - _start > retention.MaxEventsPerPartition)
        {
            TrimTo(_end - retention.MaxEventsPerPartition);
        }

        if (_bytes > retention.MaxBytesPerPartition)
        {
            var excess = _bytes - retention.MaxBytesPerPartition;
            var offset = _start;
            while (excess > 0 && offset < _end)
            {
                var segment = _segments[SegmentIndex(offset)];
                if (segment.Bytes <= excess)
                {
                    // offset is the first event of the segment not yet trimmed: skip the segment whole.
                    excess -= segment.Bytes;
                    offset = segment.BaseOffset + segment.Count;
                    continue;
                }

                Skimmed(segment);
                while (excess > 0)
                {
                    excess -= PayloadLength(segment, (int)(offset - segment.BaseOffset));
                    offset++;
                }
            }

            TrimTo(offset);
        }
    }

    /// <summary>Moves the start offset up to <paramref name="offset"/> (at most the end), clearing slots and releasing emptied segments.</summary>
    private void TrimTo(long offset)
    {
        if (_start >= offset)
        {
            return;
        }

        while (_start < offset)
        {
            var segment = _segments[0];
            var from = (int)(_start - segment.BaseOffset);
            var to = (int)Math.Min(segment.Count, offset - segment.BaseOffset);
            if (to == _segmentSize)
            {
                // Every remaining event of the segment goes: drop it whole, cold or not.
                _bytes -= segment.Bytes;
                _start = segment.BaseOffset + to;
                _hot -= segment.IsCold ? 0 : 1;
                _segments.RemoveAt(0);
                KeepSpare(segment);
                continue;
            }

            // Part of the segment goes: a cold one is skimmed (not read back) for its payload lengths and addresses.
            Skimmed(segment);
            for (var i = from; i < to; i++)
            {
                var length = PayloadLength(segment, i);
                _bytes -= length;
                segment.Bytes -= length;
            }

            if (segment.IsLoaded)
            {
                segment.Events.AsSpan(from, to - from).Clear();
            }

            _start = segment.BaseOffset + to;
        }

        TruncateJournal();
    }

    /// <summary>
    /// Lets the journal discard what memory no longer holds, keeping at least the last event on disk so that the
    /// end offset survives a restart even when every event was trimmed (recovery starts at the first record it finds,
    /// so at most that one trimmed event comes back).
    /// </summary>
    private void TruncateJournal()
    {
        if (_journal is null || _end == 0)
        {
            return;
        }

        if (_start >= _end)
        {
            _journal.TruncateUntil(_lastAddress);
            return;
        }

        var segment = _segments[SegmentIndex(_start)];
        _journal.TruncateUntil(_start == segment.BaseOffset ? segment.FirstAddress : Skimmed(segment).Addresses![_start - segment.BaseOffset]);
    }
}
