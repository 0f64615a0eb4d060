using System.Text;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>
/// Bounded memory with a backlog: a durable partition holds only its newest segments in memory; older, durable ones are
/// read back from the journal when asked for, after a restart too (issue 15).
/// </summary>
public sealed partial class FileEngineTests
{
    private const int SegmentEvents = 1 << PartitionLog.DefaultSegmentShift;

    /// <summary>Hot segments, cold ones read back and cached, and a pinned, partially trimmed head.</summary>
    private const long MaxLoadedEvents = (PartitionLog.DefaultHotSegments + PartitionLog.DefaultCachedSegments + 1) * SegmentEvents;

    private static PartitionLog PartitionLogOf(IShoalEngine engine, string topic, int partition) =>
        ((InProcessEventLog)engine.Log).GetTopic(topic).Partitions[partition];

    [Fact]
    public async Task A_backlog_beyond_the_hot_window_is_held_cold_and_read_back_from_the_journal_after_a_restart_too()
    {
        const int Events = 20_000;
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
            for (var first = 0; first < Events; first += 1000)
            {
                await AppendAsync(engine, "t", 0, 1000, first);
            }

            var log = PartitionLogOf(engine, "t", 0);
            Assert.Equal(Events, log.HeldEvents);
            Assert.InRange(log.LoadedEvents, 1, PartitionLog.DefaultHotSegments * SegmentEvents);
            AssertEvents(await ReadAllAsync(engine, "t", 0, Events), 0, Events);
            Assert.InRange(log.LoadedEvents, 1, MaxLoadedEvents);
        }

        await using (var engine = await OpenAsync())
        {
            var log = PartitionLogOf(engine, "t", 0);
            Assert.Equal(new PartitionOffsets(0, Events), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.InRange(log.LoadedEvents, 1, MaxLoadedEvents);
            AssertEvents(await ReadAllAsync(engine, "t", 0, Events), 0, Events);
            Assert.InRange(log.LoadedEvents, 1, MaxLoadedEvents);

            // The de-duplication ids of cold segments were read back at recovery: a repeat of the first event is caught.
            var results = new AppendedEvent[2];
            await engine.Log.AppendAsync("t", 0, new[] { Event("t", 0, 5), Event("t", 0, Events) }, results);
            Assert.Equal([new AppendedEvent(5, Duplicate: true), new AppendedEvent(Events, Duplicate: false)], results);
        }
    }

    [Fact]
    public async Task Retention_trims_exactly_into_a_cold_segment_and_the_trim_survives_a_restart()
    {
        const int Events = 20_000;
        const int Kept = 15_000;
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1, Retention = new RetentionOptions { MaxEventsPerPartition = Kept } });
            for (var first = 0; first < Events; first += 1000)
            {
                await AppendAsync(engine, "t", 0, 1000, first);
            }

            var log = PartitionLogOf(engine, "t", 0);
            Assert.Equal(new PartitionOffsets(Events - Kept, Events), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.Equal(PayloadBytes(Events - Kept, Events), log.RetainedBytes);

            // The cold segment trimmed part-way was skimmed, not read back: memory holds only the hot window.
            Assert.InRange(log.LoadedEvents, 1, PartitionLog.DefaultHotSegments * SegmentEvents);
            AssertEvents(await ReadAllAsync(engine, "t", 0, Kept), Events - Kept, Kept);
            Assert.InRange(log.LoadedEvents, 1, MaxLoadedEvents);
        }

        await using (var engine = await OpenAsync())
        {
            var log = PartitionLogOf(engine, "t", 0);
            Assert.Equal(new PartitionOffsets(Events - Kept, Events), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.Equal(PayloadBytes(Events - Kept, Events), log.RetainedBytes);
            AssertEvents(await ReadAllAsync(engine, "t", 0, Kept), Events - Kept, Kept);
        }
    }

    [Fact]
    public async Task Byte_retention_trims_exactly_across_cold_segments()
    {
        const int Events = 20_000;
        await using var engine = await OpenAsync();
        var maxBytes = PayloadBytes(12_345, Events);
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1, Retention = new RetentionOptions { MaxBytesPerPartition = maxBytes } });
        for (var first = 0; first < Events; first += 1000)
        {
            await AppendAsync(engine, "t", 0, 1000, first);
        }

        Assert.Equal(new PartitionOffsets(12_345, Events), await engine.Log.GetOffsetsAsync("t", 0));
        Assert.Equal(maxBytes, PartitionLogOf(engine, "t", 0).RetainedBytes);
        AssertEvents(await ReadAllAsync(engine, "t", 0, Events - 12_345), 12_345, Events - 12_345);
    }

    private static long PayloadBytes(int from, int until) => Enumerable.Range(from, until - from).Sum(n => (long)Encoding.UTF8.GetByteCount(Payload(0, n)));

    private static void AssertEvents(List<EventEnvelope> read, int first, int count)
    {
        Assert.Equal(count, read.Count);
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            var e = read[i];
            if (e.Offset != n || e.Id != $"id-0-{n}" || e.Key != $"key-{n}" || Encoding.UTF8.GetString(e.Payload.Span) != Payload(0, n)
                || e.Headers?["h"] != "v" || e.Timestamp != DateTimeOffset.UnixEpoch.AddSeconds(n) || e.Topic != "t" || e.Partition != 0)
            {
                Assert.Fail($"event at {i}: offset {e.Offset}, id '{e.Id}', payload '{Encoding.UTF8.GetString(e.Payload.Span)}' where event {n} was expected");
            }
        }
    }
}
