using System.Runtime.CompilerServices;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>How the in-memory partition log allocates its segments (issue 15: the segments were half the end-to-end allocation).</summary>
public sealed class PartitionLogTests
{
    private const int SegmentSize = 1 << PartitionLog.DefaultSegmentShift;

    /// <summary>Bytes of one full segment's arrays: the envelopes and their append times.</summary>
    private static readonly long SegmentBytes = SegmentSize * (long)(Unsafe.SizeOf<EventEnvelope>() + sizeof(long));

    private static readonly RetentionOptions KeepAll = new() { TrimCommitted = false };

    [Fact]
    public void A_partition_that_filled_a_segment_allocates_its_next_segments_at_full_size_without_regrowing()
    {
        var log = new PartitionLog(0);
        var append = new Appender(log, KeepAll);
        append.Events(SegmentSize); // the first segment grows by doubling

        var allocated = append.Events(2 * SegmentSize);

        // One array pair per segment (plus a little for the segment object and the segment list). Doubling from 16
        // slots allocates 16 + 32 + ... + 512 slots per segment, almost twice as much.
        Assert.InRange(allocated, 1, (long)(2 * SegmentBytes * 1.25));
        Assert.Equal(3, log.SegmentCount);
        append.AssertReadsBack(0, 3 * SegmentSize);
    }

    [Fact]
    public void A_partition_with_few_events_stays_small()
    {
        var log = new PartitionLog(0);
        var append = new Appender(log, KeepAll);

        var allocated = append.Events(3);

        Assert.InRange(allocated, 1, SegmentBytes / 8);
        append.AssertReadsBack(0, 3);
    }

    [Fact]
    public void With_retention_the_arrays_of_a_trimmed_segment_are_reused_and_never_show_old_events()
    {
        var log = new PartitionLog(0);
        var append = new Appender(log, new RetentionOptions { TrimCommitted = false, MaxEventsPerPartition = SegmentSize });
        append.Events(4 * SegmentSize); // steady state: a segment is released as the next one starts

        var allocated = append.Events(4 * SegmentSize);

        Assert.InRange(allocated, 1, SegmentBytes / 4);
        Assert.Equal(SegmentSize, log.HeldEvents);
        append.AssertReadsBack(7 * SegmentSize, SegmentSize);

        // A partly filled reused segment holds only the new events.
        append.Events(3);
        append.AssertReadsBack((8 * SegmentSize) - SegmentSize + 3, SegmentSize);
    }

    /// <summary>Appends numbered events in batches of 64 on this thread and says how many bytes the appends allocated.</summary>
    private sealed class Appender(PartitionLog log, RetentionOptions retention)
    {
        private readonly EventEnvelope[] _batch = new EventEnvelope[64];
        private readonly AppendedEvent[] _results = new AppendedEvent[64];
        private long _next;

        public long Events(int count)
        {
            long allocated = 0;
            while (count > 0)
            {
                var n = Math.Min(count, _batch.Length);
                for (var i = 0; i < n; i++)
                {
                    _batch[i] = new EventEnvelope($"id-{_next + i}", "t", key: null, "e", ReadOnlyMemory<byte>.Empty);
                }

                var before = GC.GetAllocatedBytesForCurrentThread();
                log.Append(_batch.AsSpan(0, n), _results.AsSpan(0, n), dedup: null, nowTicks: 0, retention);
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                _next += n;
                count -= n;
            }

            return allocated;
        }

        public void AssertReadsBack(long from, int count)
        {
            var read = new EventEnvelope[count + 1];
            Assert.Equal(count, log.TryRead(from, read, out _));
            Assert.Equal(
                Enumerable.Range(0, count).Select(i => $"{from + i}:id-{from + i}"),
                read.Take(count).Select(e => $"{e.Offset}:{e.Id}"));
        }
    }
}
