using System.Text;
using Microsoft.Extensions.Time.Testing;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>Behaviour only the in-process engine has: retention in memory, de-duplication on fake time, options.</summary>
public sealed partial class InProcessEngineTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(30));
    private InProcessShoalEngine _engine = null!;

    private IEventLog Log => _engine.Log;

    private CancellationToken Deadline => _deadline.Token;

    public ValueTask InitializeAsync()
    {
        // Segments of 4 events, so retention visibly releases them.
        _engine = new InProcessShoalEngine(new InProcessEngineOptions { TimeProvider = _time }, segmentShift: 2);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync();
        _deadline.Dispose();
    }

    private async Task<string> CreateTopicAsync(int partitions = 1, RetentionOptions? retention = null, TimeSpan? dedupWindow = null, int dedupMaxIds = 100_000)
    {
        var options = new TopicOptions
        {
            Name = $"t-{Guid.NewGuid():N}",
            Partitions = partitions,
            Retention = retention ?? RetentionOptions.Default,
            DeduplicationWindow = dedupWindow ?? TimeSpan.FromMinutes(2),
            DeduplicationMaxIds = dedupMaxIds,
        };
        await Log.CreateTopicAsync(options, Deadline);
        return options.Name;
    }

    private static EventEnvelope Event(string topic, string? id = null, int payloadBytes = 1) =>
        new(id ?? Guid.NewGuid().ToString("N"), topic, "key", "type", new byte[payloadBytes]) { Deduplicate = true };

    private async Task<AppendedEvent[]> AppendAsync(string topic, int partition, params EventEnvelope[] events)
    {
        var results = new AppendedEvent[events.Length];
        await Log.AppendAsync(topic, partition, events, results, Deadline);
        return results;
    }

    private async Task AppendManyAsync(string topic, int partition, int count, int payloadBytes = 1)
    {
        for (var i = 0; i < count; i++)
        {
            await AppendAsync(topic, partition, Event(topic, payloadBytes: payloadBytes));
        }
    }

    private async Task<long> FirstReadableOffsetAsync(string topic, int partition)
    {
        var buffer = new EventEnvelope[1];
        Assert.Equal(1, await Log.ReadAsync(topic, partition, 0, buffer, Deadline));
        return buffer[0].Offset;
    }

    private PartitionLog Partition(string topic, int partition) => _engine.EventLog.GetTopic(topic).Partitions[partition];

    private async Task CommitAsync(string topic, string group, int partition, long offset) =>
        Assert.NotNull(await _engine.Coordination.TryCreateAsync(
            CoordinationKeys.Offset(topic, group, partition), new CommittedOffset(offset, Epoch: 1).Encode(), Deadline));

    [Fact]
    public void Name_is_inproc()
    {
        Assert.Equal("inproc://", _engine.Name);
        Assert.Equal("inproc://", InProcessEngine.Create().Name);
    }

    [Fact]
    public async Task Retention_by_max_events_moves_the_start_and_releases_segments()
    {
        var topic = await CreateTopicAsync(retention: new RetentionOptions { TrimCommitted = false, MaxEventsPerPartition = 10 });

        await AppendManyAsync(topic, 0, 25);

        Assert.Equal(new PartitionOffsets(15, 25), await Log.GetOffsetsAsync(topic, 0, Deadline));
        Assert.Equal(15, await FirstReadableOffsetAsync(topic, 0));
        // Offsets 15..24 live in the segments starting at 12, 16, 20 and 24; the three below were released.
        Assert.Equal(4, Partition(topic, 0).SegmentCount);
    }

    [Fact]
    public async Task Retention_by_max_bytes_keeps_the_newest_payload_bytes()
    {
        var topic = await CreateTopicAsync(retention: new RetentionOptions { TrimCommitted = false, MaxBytesPerPartition = 100 });

        await AppendManyAsync(topic, 0, 20, payloadBytes: 30);

        Assert.Equal(new PartitionOffsets(17, 20), await Log.GetOffsetsAsync(topic, 0, Deadline));
        Assert.Equal(90, Partition(topic, 0).RetainedBytes);
        Assert.Equal(17, await FirstReadableOffsetAsync(topic, 0));
        Assert.Equal(1, Partition(topic, 0).SegmentCount); // offsets 17..19 live in the segment starting at 16
    }

    [Fact]
    public async Task Retention_by_age_drops_events_appended_before_max_age_at_the_next_check()
    {
        var topic = await CreateTopicAsync(retention: new RetentionOptions { TrimCommitted = false, MaxAge = TimeSpan.FromSeconds(10) });
        await AppendManyAsync(topic, 0, 5);
        _time.Advance(TimeSpan.FromSeconds(6));
        await AppendManyAsync(topic, 0, 5);
        Assert.Equal(0, (await Log.GetOffsetsAsync(topic, 0, Deadline)).Start);

        _time.Advance(TimeSpan.FromSeconds(5));
        await AppendManyAsync(topic, 0, 1);

        Assert.Equal(new PartitionOffsets(5, 11), await Log.GetOffsetsAsync(topic, 0, Deadline));
    }

    [Fact]
    public async Task TrimCommitted_trims_below_the_lowest_commit_of_all_groups_at_most_once_per_interval()
    {
        var topic = await CreateTopicAsync(partitions: 3, retention: new RetentionOptions { TrimCommitted = true });
        for (var p = 0; p < 3; p++)
        {
            await AppendManyAsync(topic, p, 10);
        }

        await CommitAsync(topic, "g1", 0, 6);
        await CommitAsync(topic, "g2", 0, 4);
        await CommitAsync(topic, "g1", 1, 8); // g2 has not committed partition 1: nothing is trimmed there.
        await AppendManyAsync(topic, 0, 1);
        Assert.Equal(0, (await Log.GetOffsetsAsync(topic, 0, Deadline)).Start); // within the check interval

        _time.Advance(TimeSpan.FromSeconds(1));
        await AppendManyAsync(topic, 2, 1);

        Assert.Equal(new PartitionOffsets(4, 11), await Log.GetOffsetsAsync(topic, 0, Deadline));
        Assert.Equal(new PartitionOffsets(0, 10), await Log.GetOffsetsAsync(topic, 1, Deadline));
        Assert.Equal(new PartitionOffsets(0, 11), await Log.GetOffsetsAsync(topic, 2, Deadline)); // no group committed
        Assert.Equal(4, await FirstReadableOffsetAsync(topic, 0));

        await CommitAsync(topic, "g2", 1, 3);
        _time.Advance(TimeSpan.FromSeconds(1));
        await AppendManyAsync(topic, 0, 1);

        Assert.Equal(3, (await Log.GetOffsetsAsync(topic, 1, Deadline)).Start);
    }

    [Fact]
    public async Task The_event_log_trims_to_the_floor_the_engine_passes_it_and_reads_no_group_records()
    {
        var asked = new List<(string Topic, int Partitions)>();
        using var log = new InProcessEventLog(new InProcessEngineOptions { TimeProvider = _time }, (topic, partitions) =>
        {
            asked.Add((topic, partitions));
            return [6, -1];
        });
        await log.CreateTopicAsync(new TopicOptions { Name = "floor", Partitions = 2 }, Deadline);
        var one = new AppendedEvent[1];
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsync("floor", i % 2, new[] { Event("floor") }, one, Deadline);
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        await log.AppendAsync("floor", 1, new[] { Event("floor") }, one, Deadline);

        Assert.Contains(("floor", 2), asked);
        Assert.Equal(new PartitionOffsets(5, 5), await log.GetOffsetsAsync("floor", 0, Deadline)); // trimmed below min(6, end)
        Assert.Equal(new PartitionOffsets(0, 6), await log.GetOffsetsAsync("floor", 1, Deadline)); // -1: no group, kept
    }

    [Fact]
    public async Task TrimCommitted_off_keeps_committed_events()
    {
        var topic = await CreateTopicAsync(retention: new RetentionOptions { TrimCommitted = false });
        await AppendManyAsync(topic, 0, 10);
        await CommitAsync(topic, "g1", 0, 9);

        _time.Advance(TimeSpan.FromSeconds(5));
        await AppendManyAsync(topic, 0, 1);

        Assert.Equal(0, (await Log.GetOffsetsAsync(topic, 0, Deadline)).Start);
    }

    [Fact]
    public async Task Deduplication_forgets_an_id_once_the_window_has_passed()
    {
        var topic = await CreateTopicAsync(dedupWindow: TimeSpan.FromSeconds(10));
        await AppendAsync(topic, 0, Event(topic, "x"));

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(new AppendedEvent(0, true), Assert.Single(await AppendAsync(topic, 0, Event(topic, "x"))));

        _time.Advance(TimeSpan.FromSeconds(6)); // 11 s after the first append: a repeat does not extend the window
        Assert.Equal(new AppendedEvent(1, false), Assert.Single(await AppendAsync(topic, 0, Event(topic, "x"))));
    }

    [Fact]
    public async Task Deduplication_remembers_at_most_max_ids_evicting_the_oldest()
    {
        var topic = await CreateTopicAsync(dedupMaxIds: 2);
        await AppendAsync(topic, 0, Event(topic, "a"), Event(topic, "b"), Event(topic, "c"));

        var results = await AppendAsync(topic, 0, Event(topic, "c"), Event(topic, "a"));

        Assert.Equal([new AppendedEvent(2, true), new AppendedEvent(3, false)], results);
    }

    [Fact]
    public async Task Deduplication_max_ids_counts_the_ids_of_every_partition_of_the_topic()
    {
        var topic = await CreateTopicAsync(partitions: 2, dedupMaxIds: 2);
        await AppendAsync(topic, 0, Event(topic, "a"));
        await AppendAsync(topic, 1, Event(topic, "b"));
        await AppendAsync(topic, 0, Event(topic, "c"));

        // Three ids in two partitions, two remembered: the oldest of the topic ("a") was evicted.
        Assert.Equal(new AppendedEvent(0, true), Assert.Single(await AppendAsync(topic, 1, Event(topic, "b"))));
        Assert.Equal(new AppendedEvent(1, true), Assert.Single(await AppendAsync(topic, 0, Event(topic, "c"))));
        Assert.Equal(new AppendedEvent(2, false), Assert.Single(await AppendAsync(topic, 0, Event(topic, "a"))));
    }

    [Fact]
    public async Task MaxEventBytes_counts_names_and_headers()
    {
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { MaxEventBytes = 64 });
        var topic = $"t-{Guid.NewGuid():N}";
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = 1 }, Deadline);
        var fits = new EventEnvelope("id", topic, "k", "t", new byte[30]);
        var tooBig = fits with { Headers = new Dictionary<string, string> { ["h"] = new string('v', 30) } };
        var results = new AppendedEvent[1];

        await engine.Log.AppendAsync(topic, 0, new[] { fits }, results, Deadline);
        var error = await Assert.ThrowsAsync<EventTooLargeException>(
            () => engine.Log.AppendAsync(topic, 0, new[] { tooBig with { Id = "id2" } }, results, Deadline).AsTask());

        Assert.Equal(64, error.Limit);
        Assert.Contains("id2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("InProcessEngineOptions.MaxEventBytes")]
    [InlineData("InProcessEngineOptions.RetentionCheckInterval")]
    [InlineData("InProcessEngineOptions.TimeProvider")]
    public void Invalid_options_are_rejected_naming_the_field(string field)
    {
        var options = field switch
        {
            "InProcessEngineOptions.MaxEventBytes" => new InProcessEngineOptions { MaxEventBytes = 0 },
            "InProcessEngineOptions.RetentionCheckInterval" => new InProcessEngineOptions { RetentionCheckInterval = TimeSpan.FromSeconds(-1) },
            _ => new InProcessEngineOptions { TimeProvider = null! },
        };

        var error = Assert.Throws<ShoalConfigurationException>(() => InProcessEngine.Create(options));
        Assert.Equal(field, error.Field);
        InProcessEngineOptions.Default.Validate();
    }

    [Fact]
    public async Task Dispose_wakes_waiting_readers_and_watchers_with_ObjectDisposed()
    {
        var engine = InProcessEngine.Create();
        var topic = $"t-{Guid.NewGuid():N}";
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = 1 }, Deadline);
        var read = engine.Log.ReadAsync(topic, 0, 0, new EventEnvelope[1], Deadline).AsTask();
        var watch = engine.Coordination.WatchAsync("any/", Deadline).GetAsyncEnumerator(Deadline);
        var next = watch.MoveNextAsync().AsTask();

        await engine.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => read.WaitAsync(Deadline));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => next.WaitAsync(Deadline));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => engine.Log.GetOffsetsAsync(topic, 0, Deadline).AsTask());
        await watch.DisposeAsync();
    }

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}
