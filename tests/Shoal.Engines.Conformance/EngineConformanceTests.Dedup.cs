using Shoal.Engine;
using Xunit;

namespace Shoal.Engines.Conformance;

public abstract partial class EngineConformanceTests
{
    [Fact]
    public async Task Repeated_event_id_is_stored_once_and_reported_as_duplicate()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        var first = await AppendAsync(topic, 0, NewEvent(topic, id: "order-1", payload: "first"));

        var again = await AppendAsync(topic, 0, NewEvent(topic, id: "order-1", payload: "second"));

        Assert.Equal(new AppendedEvent(0, false), Assert.Single(first));
        Assert.Equal(new AppendedEvent(0, true), Assert.Single(again));
        Assert.Equal(new PartitionOffsets(0, 1), await Engine.Log.GetOffsetsAsync(topic, 0, Deadline));
        Assert.Equal("first", Text((await ReadAsync(topic, 0, 0, 1))[0].Payload));
    }

    [Fact]
    public async Task Repeated_event_id_within_one_batch_is_stored_once()
    {
        var topic = await CreateTopicAsync(partitions: 1);

        var results = await AppendAsync(topic, 0,
            NewEvent(topic, id: "a", payload: "a1"),
            NewEvent(topic, id: "b", payload: "b1"),
            NewEvent(topic, id: "a", payload: "a2"),
            NewEvent(topic, id: "c", payload: "c1"));

        Assert.Equal(new AppendedEvent(0, false), results[0]);
        Assert.Equal(new AppendedEvent(1, false), results[1]);
        Assert.Equal(new AppendedEvent(0, true), results[2]);
        Assert.Equal(new AppendedEvent(2, false), results[3]);
        var read = await ReadAsync(topic, 0, 0, 3);
        Assert.Equal(["a1", "b1", "c1"], read.Select(e => Text(e.Payload)));
        Assert.Equal(3, (await Engine.Log.GetOffsetsAsync(topic, 0, Deadline)).End);
    }

    [Fact]
    public async Task Deduplication_is_per_partition_the_same_id_in_two_partitions_is_two_events()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        await AppendAsync(topic, 1, NewEvent(topic, id: "other-1"), NewEvent(topic, id: "other-2"));

        var inFirst = await AppendAsync(topic, 0, NewEvent(topic, id: "order-1", payload: "in 0"));
        var inSecond = await AppendAsync(topic, 1, NewEvent(topic, id: "order-1", payload: "in 1"));
        var again = await AppendAsync(topic, 1, NewEvent(topic, id: "order-1", payload: "retry"));
        var againFirst = await AppendAsync(topic, 0, NewEvent(topic, id: "order-1", payload: "retry"));

        Assert.Equal(new AppendedEvent(0, false), Assert.Single(inFirst));
        Assert.Equal(new AppendedEvent(2, false), Assert.Single(inSecond));

        // A repeat meets the original of its own partition and answers that one's offset.
        Assert.Equal(new AppendedEvent(2, true), Assert.Single(again));
        Assert.Equal(new AppendedEvent(0, true), Assert.Single(againFirst));
        Assert.Equal(new PartitionOffsets(0, 1), await Engine.Log.GetOffsetsAsync(topic, 0, Deadline));
        Assert.Equal(new PartitionOffsets(0, 3), await Engine.Log.GetOffsetsAsync(topic, 1, Deadline));
        Assert.Equal("in 0", Text((await ReadAsync(topic, 0, 0, 1))[0].Payload));
        Assert.Equal("in 1", Text((await ReadAsync(topic, 1, 2, 1))[0].Payload));
    }

    [Fact]
    public async Task Events_that_do_not_ask_for_deduplication_are_stored_even_with_a_repeated_id()
    {
        var topic = await CreateTopicAsync(partitions: 1);

        var results = await AppendAsync(topic, 0,
            NewEvent(topic, id: "same") with { Deduplicate = false },
            NewEvent(topic, id: "same") with { Deduplicate = false });

        Assert.Equal([new AppendedEvent(0, false), new AppendedEvent(1, false)], results);
        Assert.False((await AppendAsync(topic, 0, NewEvent(topic, id: "same")))[0].Duplicate);
    }

    [Fact]
    public async Task Deduplication_window_zero_stores_repeated_ids()
    {
        var topic = await CreateTopicAsync(partitions: 1, deduplicationWindow: TimeSpan.Zero);

        var results = await AppendAsync(topic, 0, NewEvent(topic, id: "same"), NewEvent(topic, id: "same"));

        Assert.Equal([new AppendedEvent(0, false), new AppendedEvent(1, false)], results);
    }

    [Fact]
    public async Task Oversized_event_is_rejected_and_nothing_of_its_batch_is_stored()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        var small = NewEvent(topic, id: "small");
        var large = NewEvent(topic, id: "large") with { Payload = new byte[MaxEventBytes + 1] };

        var error = await Assert.ThrowsAsync<EventTooLargeException>(() => AppendAsync(topic, 0, small, large));

        Assert.Contains("large", error.Message, StringComparison.Ordinal);
        Assert.Contains(topic, error.Message, StringComparison.Ordinal);
        Assert.True(error.Size > MaxEventBytes);
        Assert.Equal(MaxEventBytes, error.Limit);
        Assert.Equal(new PartitionOffsets(0, 0), await Engine.Log.GetOffsetsAsync(topic, 0, Deadline));

        // The small event was not remembered for de-duplication either: appending it again stores it.
        Assert.Equal(new AppendedEvent(0, false), Assert.Single(await AppendAsync(topic, 0, small)));
    }
}
