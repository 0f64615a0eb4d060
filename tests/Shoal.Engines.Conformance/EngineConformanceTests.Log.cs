using Shoal.Engine;
using Xunit;

namespace Shoal.Engines.Conformance;

public abstract partial class EngineConformanceTests
{
    [Fact]
    public async Task Append_returns_dense_offsets_from_zero_per_partition()
    {
        var topic = await CreateTopicAsync(partitions: 2);

        var first = await AppendAsync(topic, 0, NewEvent(topic), NewEvent(topic), NewEvent(topic));
        var other = await AppendAsync(topic, 1, NewEvent(topic), NewEvent(topic));
        var second = await AppendAsync(topic, 0, NewEvent(topic));

        Assert.Equal([0L, 1L, 2L], first.Select(r => r.Offset));
        Assert.Equal([0L, 1L], other.Select(r => r.Offset));
        Assert.Equal(3L, Assert.Single(second).Offset);
        Assert.All(first.Concat(other).Concat(second), r => Assert.False(r.Duplicate));
        Assert.Equal(new PartitionOffsets(0, 4), await Engine.Log.GetOffsetsAsync(topic, 0, Deadline));
        Assert.Equal(new PartitionOffsets(0, 2), await Engine.Log.GetOffsetsAsync(topic, 1, Deadline));
    }

    [Fact]
    public async Task End_offset_is_zero_for_an_empty_partition_and_then_the_next_offset()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        Assert.Equal(new PartitionOffsets(0, 0), await Engine.Log.GetOffsetsAsync(topic, 0, Deadline));

        var appended = await AppendAsync(topic, 0, NewEvent(topic), NewEvent(topic));

        var offsets = await Engine.Log.GetOffsetsAsync(topic, 0, Deadline);
        Assert.Equal(appended[^1].Offset + 1, offsets.End);
    }

    [Fact]
    public async Task Read_returns_events_in_order_with_every_field()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        var timestamp = new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);
        var headers = new Dictionary<string, string> { ["traceparent"] = "00-abc-def-01", ["x-tenant"] = "t1" };
        var events = Enumerable.Range(0, 5).Select(i => NewEvent(topic, id: $"id-{i}", key: i == 4 ? null : $"key-{i}", payload: $"payload-{i}") with
        {
            Type = $"type-{i}",
            ContentType = i % 2 == 0 ? ContentTypes.Json : ContentTypes.MessagePack,
            Headers = i == 1 ? headers : null,
            Timestamp = timestamp.AddSeconds(i),
        }).ToArray();
        await AppendAsync(topic, 1, events);

        var read = await ReadAsync(topic, 1, 0, 5);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1, read[i].Partition);
            Assert.Equal(i, read[i].Offset);
            Assert.Equal(topic, read[i].Topic);
            Assert.Equal(events[i].Id, read[i].Id);
            Assert.Equal(events[i].Key, read[i].Key);
            Assert.Equal(events[i].Type, read[i].Type);
            Assert.Equal(events[i].ContentType, read[i].ContentType);
            Assert.Equal(events[i].Timestamp, read[i].Timestamp);
            Assert.Equal($"payload-{i}", Text(read[i].Payload));
        }

        Assert.Equal(headers.OrderBy(h => h.Key), read[1].Headers!.OrderBy(h => h.Key));
        Assert.True(read[0].Headers is null or { Count: 0 });
    }

    [Fact]
    public async Task The_dead_letter_headers_round_trip()
    {
        // The runtime writes these on every dead letter; an engine that rejected or dropped them (the NATS engine once
        // reserved every shoal-* name) would stall the partition of every poison event.
        var topic = await CreateTopicAsync(partitions: 1);
        var headers = new Dictionary<string, string>
        {
            [ShoalHeaders.DeadLetterReason] = "handler-failed",
            [ShoalHeaders.ErrorType] = "System.InvalidOperationException",
            [ShoalHeaders.ErrorMessage] = "boom",
            [ShoalHeaders.Attempts] = "5",
            [ShoalHeaders.Group] = "billing",
            [ShoalHeaders.OriginalTopic] = "orders",
            [ShoalHeaders.OriginalPartition] = "3",
            [ShoalHeaders.OriginalOffset] = "42",
        };
        await AppendAsync(topic, 0, NewEvent(topic) with { Headers = headers });

        var read = await ReadAsync(topic, 0, 0, 1);

        Assert.Equal(headers.OrderBy(h => h.Key), read[0].Headers!.OrderBy(h => h.Key));
    }

    [Fact]
    public async Task Read_from_a_middle_offset_starts_there()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        await AppendAsync(topic, 0, [.. Enumerable.Range(0, 10).Select(i => NewEvent(topic, payload: $"p{i}"))]);

        var read = await ReadAsync(topic, 0, 6, 4);

        Assert.Equal([6L, 7L, 8L, 9L], read.Select(e => e.Offset));
        Assert.Equal(["p6", "p7", "p8", "p9"], read.Select(e => Text(e.Payload)));
    }

    [Fact]
    public async Task Read_returns_at_most_the_destination_length()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        await AppendAsync(topic, 0, [.. Enumerable.Range(0, 10).Select(_ => NewEvent(topic))]);
        var buffer = new EventEnvelope[8];

        var count = await Engine.Log.ReadAsync(topic, 0, 0, buffer.AsMemory(0, 3), Deadline);

        Assert.InRange(count, 1, 3);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), buffer.Take(count).Select(e => e.Offset));
        Assert.Equal(default, buffer[3]);
    }

    [Fact]
    public async Task Read_waits_for_a_later_append()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        var buffer = new EventEnvelope[4];
        var read = Engine.Log.ReadAsync(topic, 1, 0, buffer, Deadline).AsTask();
        Assert.False(read.IsCompleted);

        await AppendAsync(topic, 0, NewEvent(topic, payload: "other partition"));
        await AppendAsync(topic, 1, NewEvent(topic, payload: "hello"));

        var count = await read;
        Assert.Equal(1, count);
        Assert.Equal("hello", Text(buffer[0].Payload));
        Assert.Equal(0, buffer[0].Offset);
    }

    [Fact]
    public async Task Read_beyond_the_end_waits_until_that_offset_exists()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        await AppendAsync(topic, 0, NewEvent(topic), NewEvent(topic));
        var buffer = new EventEnvelope[4];
        var read = Engine.Log.ReadAsync(topic, 0, 3, buffer, Deadline).AsTask();

        await AppendAsync(topic, 0, NewEvent(topic, payload: "two"));
        await AppendAsync(topic, 0, NewEvent(topic, payload: "three"));

        var count = await read;
        Assert.InRange(count, 1, 4);
        Assert.Equal(3, buffer[0].Offset);
        Assert.Equal("three", Text(buffer[0].Payload));
    }

    [Fact]
    public async Task Waiting_read_is_cancellable()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        using var cancel = new CancellationTokenSource();
        var read = Engine.Log.ReadAsync(topic, 0, 0, new EventEnvelope[1], cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Concurrent_readers_of_one_partition_all_see_the_append()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        var reads = Enumerable.Range(0, 3).Select(_ => Engine.Log.ReadAsync(topic, 0, 0, new EventEnvelope[2], Deadline).AsTask()).ToArray();

        await AppendAsync(topic, 0, NewEvent(topic));

        var counts = await Task.WhenAll(reads);
        Assert.Equal([1, 1, 1], counts);
    }

    [Fact]
    public async Task Append_copies_the_payload_so_the_caller_may_reuse_its_buffer()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        var buffer = Bytes("original");
        await AppendAsync(topic, 0, NewEvent(topic) with { Payload = buffer });

        Bytes("modified").CopyTo(buffer, 0);

        Assert.Equal("original", Text((await ReadAsync(topic, 0, 0, 1))[0].Payload));
    }
}
