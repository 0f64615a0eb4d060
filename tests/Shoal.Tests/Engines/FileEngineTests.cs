using System.Text;
using Microsoft.Extensions.Logging;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Tests.Hosting;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>What the durable engine keeps across a restart, who may own a directory, and how damage is told apart from a torn tail.</summary>
public sealed partial class FileEngineTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly LoggerFactory _loggerFactory;

    public FileEngineTests() => _loggerFactory = new LoggerFactory([_logs]);

    private string Segment0(string topic, int partition) => Path.Combine(_directory.Path, "topics", topic, partition.ToString(System.Globalization.CultureInfo.InvariantCulture), "log.0");

    [Fact]
    public async Task Events_offsets_and_coordination_records_survive_a_restart()
    {
        long revision;
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "orders", Partitions = 2 });
            await AppendAsync(engine, "orders", 1, 10);
            await AppendAsync(engine, "orders", 0, 3);
            var r1 = (await engine.Coordination.TryCreateAsync("shoal/offsets/orders/g/1", new CommittedOffset(7, 2).Encode()))!.Value;
            await engine.Coordination.TryCreateAsync("shoal/tmp/x", Encoding.UTF8.GetBytes("x"));
            Assert.True(await engine.Coordination.TryDeleteAsync("shoal/tmp/x", (await engine.Coordination.GetAsync("shoal/tmp/x"))!.Value.Revision));
            revision = (await engine.Coordination.TryUpdateAsync("shoal/offsets/orders/g/1", new CommittedOffset(9, 2).Encode(), r1))!.Value;
        }

        await using (var engine = await OpenAsync())
        {
            var topic = await engine.Log.DescribeTopicAsync("orders");
            Assert.Equal(2, topic!.Partitions);
            Assert.Equal(new PartitionOffsets(0, 10), await engine.Log.GetOffsetsAsync("orders", 1));
            Assert.Equal(new PartitionOffsets(0, 3), await engine.Log.GetOffsetsAsync("orders", 0));
            var read = await ReadAllAsync(engine, "orders", 1, 10);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"p1-{i}"), read.Select(e => Encoding.UTF8.GetString(e.Payload.Span)));
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), read.Select(e => e.Offset));
            Assert.Equal("key-3", read[3].Key);
            Assert.Equal("v", read[3].Headers!["h"]);

            var offset = (await engine.Coordination.GetAsync("shoal/offsets/orders/g/1"))!.Value;
            Assert.Equal(revision, offset.Revision);
            Assert.True(CommittedOffset.TryDecode(offset.Value.Span, out var committed));
            Assert.Equal(new CommittedOffset(9, 2), committed);
            Assert.Null(await engine.Coordination.GetAsync("shoal/tmp/x"));
            var next = await engine.Coordination.TryCreateAsync("shoal/tmp/y", Encoding.UTF8.GetBytes("y"));
            Assert.True(next > revision, "revisions keep growing across a restart");

            // Appends continue at the next dense offset, and an id appended before the restart is still a duplicate.
            var results = new AppendedEvent[2];
            await engine.Log.AppendAsync("orders", 1, new[] { Event("orders", 1, 10), Event("orders", 1, 3) }, results);
            Assert.Equal([new AppendedEvent(10, false), new AppendedEvent(3, true)], results);
        }
    }

    [Fact]
    public async Task A_second_owner_of_the_directory_gets_an_error_naming_the_directory_and_the_owning_process()
    {
        await using var first = await OpenAsync();

        var error = await Assert.ThrowsAsync<EngineException>(async () => await OpenAsync());

        Assert.Contains(_directory.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"process {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
        await first.Log.CreateTopicAsync(new TopicOptions { Name = "still-usable", Partitions = 1 });
    }

    [Fact]
    public async Task The_directory_is_released_on_dispose()
    {
        await (await OpenAsync()).DisposeAsync();
        await using var second = await OpenAsync();
        Assert.StartsWith("file://", second.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_after_the_last_commit_are_a_torn_tail_truncated_with_a_warning()
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
            await AppendAsync(engine, "t", 0, 5);
        }

        // What a crash in the middle of writing the next records leaves: bytes past the committed tail.
        await File.AppendAllTextAsync(Segment0("t", 0), new string('x', 3000));

        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 5), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.Contains(_logs.Entries, e => e.EventId == 6001 && e.Message.Contains("partition 0 of topic 't'", StringComparison.Ordinal));
            await AppendAsync(engine, "t", 0, 2, first: 5);
        }

        _logs.Entries.Clear();
        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 7), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.Equal("p0-6", Encoding.UTF8.GetString((await ReadAllAsync(engine, "t", 0, 7))[6].Payload.Span));
            Assert.DoesNotContain(_logs.Entries, e => e.EventId == 6001);
        }
    }

    [Fact]
    public async Task A_damaged_record_before_the_last_commit_is_an_error_naming_the_partition_never_skipped()
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 2 });
            await AppendAsync(engine, "t", 1, 20);
        }

        var bytes = await File.ReadAllBytesAsync(Segment0("t", 1));
        var at = bytes.AsSpan().IndexOf("p1-10"u8);
        bytes[at + 3] ^= 0x55;
        await File.WriteAllBytesAsync(Segment0("t", 1), bytes);

        var error = await Assert.ThrowsAsync<EngineException>(async () => await OpenAsync());
        Assert.Contains("partition 1 of topic 't' is corrupt", error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", error.Message, StringComparison.Ordinal);

        // The failed open released the directory.
        var stillFailing = await Assert.ThrowsAsync<EngineException>(async () => await OpenAsync());
        Assert.DoesNotContain("in use", stillFailing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_torn_coordination_record_is_removed_with_a_warning_and_damage_before_it_is_an_error()
    {
        var journal = Path.Combine(_directory.Path, "coordination", "journal");
        await using (var engine = await OpenAsync())
        {
            await engine.Coordination.TryCreateAsync("a/1", Encoding.UTF8.GetBytes("one"));
            await engine.Coordination.TryCreateAsync("a/2", Encoding.UTF8.GetBytes("two"));
        }

        var complete = await File.ReadAllBytesAsync(journal);
        await File.WriteAllBytesAsync(journal, complete[..^3]);
        await using (var engine = await OpenAsync())
        {
            Assert.NotNull(await engine.Coordination.GetAsync("a/1"));
            Assert.Null(await engine.Coordination.GetAsync("a/2"));
            Assert.Contains(_logs.Entries, e => e.EventId == 6002);
            await engine.Coordination.TryCreateAsync("a/3", Encoding.UTF8.GetBytes("three"));
            await engine.Coordination.TryCreateAsync("a/4", Encoding.UTF8.GetBytes("four"));
        }

        var bytes = await File.ReadAllBytesAsync(journal);
        bytes[bytes.AsSpan().IndexOf("three"u8)] ^= 0x01;
        await File.WriteAllBytesAsync(journal, bytes);

        var error = await Assert.ThrowsAsync<EngineException>(async () => await OpenAsync());
        Assert.Contains("coordination store is corrupt", error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_trims_the_journal_and_the_start_offset_survives_a_restart()
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1, Retention = new RetentionOptions { MaxEventsPerPartition = 5 } });
            await AppendAsync(engine, "t", 0, 20);
            Assert.Equal(new PartitionOffsets(15, 20), await engine.Log.GetOffsetsAsync("t", 0));
        }

        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(15, 20), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.Equal("p0-15", Encoding.UTF8.GetString((await ReadAllAsync(engine, "t", 0, 1))[0].Payload.Span));
        }
    }

    [Fact]
    public async Task Committed_events_are_trimmed_but_the_end_offset_survives_even_when_all_are_trimmed()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using (var engine = await OpenAsync(o => o with { TimeProvider = time, RetentionCheckInterval = TimeSpan.Zero }))
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
            await AppendAsync(engine, "t", 0, 10);
            await engine.Coordination.TryCreateAsync(CoordinationKeys.Offset("t", "g", 0), new CommittedOffset(10, 1).Encode());
            await AppendAsync(engine, "t", 0, 1, first: 10);
            await engine.Coordination.TryUpdateAsync(CoordinationKeys.Offset("t", "g", 0), new CommittedOffset(11, 1).Encode(), (await engine.Coordination.GetAsync(CoordinationKeys.Offset("t", "g", 0)))!.Value.Revision);
            await AppendAsync(engine, "t", 0, 0);
            Assert.Equal(new PartitionOffsets(10, 11), await engine.Log.GetOffsetsAsync("t", 0));
        }

        await using (var engine = await OpenAsync())
        {
            var offsets = await engine.Log.GetOffsetsAsync("t", 0);
            Assert.Equal(11, offsets.End);
            Assert.InRange(offsets.Start, 10, 11);
            var results = new AppendedEvent[1];
            await engine.Log.AppendAsync("t", 0, new[] { Event("t", 0, 11) }, results);
            Assert.Equal(11, results[0].Offset);
        }
    }

    [Fact]
    public async Task With_the_interval_policy_events_become_readable_once_flushed_and_survive_a_restart()
    {
        await using (var engine = await OpenAsync(o => o with { Durability = FileDurability.Interval, FlushInterval = TimeSpan.FromMilliseconds(5) }))
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
            await AppendAsync(engine, "t", 0, 100);
            var read = await ReadAllAsync(engine, "t", 0, 100);
            Assert.Equal(99, read[^1].Offset);
        }

        await using (var reopened = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 100), await reopened.Log.GetOffsetsAsync("t", 0));
        }
    }

    [Theory]
    [InlineData("", "FileEngineOptions.Directory")]
    [InlineData("zero-interval", "FileEngineOptions.FlushInterval")]
    [InlineData("huge-events", "FileEngineOptions.MaxEventBytes")]
    public async Task Invalid_options_are_rejected_naming_the_field(string directory, string field)
    {
        var options = new FileEngineOptions { Directory = directory };
        options = directory switch
        {
            "zero-interval" => options with { Directory = _directory.Path, FlushInterval = TimeSpan.Zero },
            "huge-events" => options with { Directory = _directory.Path, MaxEventBytes = 64 << 20 },
            _ => options,
        };

        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await FileEngine.OpenAsync(options));
        Assert.Equal(field, error.Field);
    }

    private async Task<IShoalEngine> OpenAsync(Func<FileEngineOptions, FileEngineOptions>? configure = null)
    {
        var options = new FileEngineOptions { Directory = _directory.Path, MaxEventBytes = 64 * 1024, LoggerFactory = _loggerFactory };
        return await FileEngine.OpenAsync(configure is null ? options : configure(options));
    }

    internal static EventEnvelope Event(string topic, int partition, int n) =>
        new($"id-{partition}-{n}", topic, $"key-{n}", "test.event", Encoding.UTF8.GetBytes($"p{partition}-{n}"))
        {
            Deduplicate = true,
            Headers = new Dictionary<string, string> { ["h"] = "v" },
            Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(n),
        };

    /// <summary>Event <paramref name="n"/>'s payload, padded with dots to <paramref name="payloadBytes"/> when longer.</summary>
    private static string Payload(int partition, int n, int payloadBytes = 0) => $"p{partition}-{n}".PadRight(payloadBytes, '.');

    private static async Task AppendAsync(IShoalEngine engine, string topic, int partition, int count, int first = 0, int payloadBytes = 0)
    {
        var events = Enumerable.Range(first, count)
            .Select(n => Event(topic, partition, n) with { Payload = Encoding.UTF8.GetBytes(Payload(partition, n, payloadBytes)) })
            .ToArray();
        await engine.Log.AppendAsync(topic, partition, events, new AppendedEvent[count]);
    }

    private static async Task<List<EventEnvelope>> ReadAllAsync(IShoalEngine engine, string topic, int partition, int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = new List<EventEnvelope>();
        var buffer = new EventEnvelope[count];
        var next = (await engine.Log.GetOffsetsAsync(topic, partition)).Start;
        while (result.Count < count)
        {
            var read = await engine.Log.ReadAsync(topic, partition, next, buffer.AsMemory(0, count - result.Count), deadline.Token);
            result.AddRange(buffer.Take(read));
            next = buffer[read - 1].Offset + 1;
        }

        return result;
    }

    public void Dispose()
    {
        _loggerFactory.Dispose();
        _directory.Dispose();
    }
}
