using Shoal.Engine;
using Xunit;

namespace Shoal.Engines.Conformance;

public abstract partial class EngineConformanceTests
{
    [Fact]
    public async Task CreateTopic_then_describe_and_list_return_it()
    {
        var name = UniqueTopic();
        var created = await Engine.Log.CreateTopicAsync(new TopicOptions { Name = name, Partitions = 4 }, Deadline);
        Assert.Equal(name, created.Name);
        Assert.Equal(4, created.Partitions);

        var described = await Engine.Log.DescribeTopicAsync(name, Deadline);
        Assert.NotNull(described);
        Assert.Equal(name, described.Name);
        Assert.Equal(4, described.Partitions);
        Assert.Equal(4, described.Options.Partitions);

        var other = await CreateTopicAsync(partitions: 2);
        var listed = await Engine.Log.ListTopicsAsync(Deadline);
        Assert.Contains(listed, t => t.Name == name && t.Partitions == 4);
        Assert.Contains(listed, t => t.Name == other && t.Partitions == 2);
    }

    [Fact]
    public async Task DescribeTopic_returns_null_for_an_unknown_topic()
    {
        Assert.Null(await Engine.Log.DescribeTopicAsync(UniqueTopic(), Deadline));
    }

    [Fact]
    public async Task CreateTopic_twice_with_the_same_partition_count_is_a_no_op()
    {
        var name = await CreateTopicAsync(partitions: 3);
        await AppendAsync(name, 1, NewEvent(name));

        var again = await Engine.Log.CreateTopicAsync(new TopicOptions { Name = name, Partitions = 3 }, Deadline);

        Assert.Equal(3, again.Partitions);
        Assert.Equal(new PartitionOffsets(0, 1), await Engine.Log.GetOffsetsAsync(name, 1, Deadline));
        Assert.Single(await Engine.Log.ListTopicsAsync(Deadline), t => t.Name == name);
    }

    [Fact]
    public async Task CreateTopic_with_a_different_partition_count_throws()
    {
        var name = await CreateTopicAsync(partitions: 3);

        await Assert.ThrowsAsync<ShoalConfigurationException>(
            () => Engine.Log.CreateTopicAsync(new TopicOptions { Name = name, Partitions = 5 }, Deadline).AsTask());
        Assert.Equal(3, (await Engine.Log.DescribeTopicAsync(name, Deadline))!.Partitions);
    }

    [Fact]
    public async Task CreateTopic_with_invalid_options_throws_naming_the_field()
    {
        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(
            () => Engine.Log.CreateTopicAsync(new TopicOptions { Name = UniqueTopic(), Partitions = 0 }, Deadline).AsTask());
        Assert.Equal("TopicOptions.Partitions", error.Field);
    }

    [Fact]
    public async Task Operations_on_an_unknown_topic_throw_TopicNotFound()
    {
        var name = UniqueTopic();
        var buffer = new EventEnvelope[1];

        var append = await Assert.ThrowsAsync<TopicNotFoundException>(() => AppendAsync(name, 0, NewEvent(name)));
        Assert.Equal(name, append.Topic);
        await Assert.ThrowsAsync<TopicNotFoundException>(() => Engine.Log.ReadAsync(name, 0, 0, buffer, Deadline).AsTask());
        await Assert.ThrowsAsync<TopicNotFoundException>(() => Engine.Log.GetOffsetsAsync(name, 0, Deadline).AsTask());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public async Task Operations_on_a_partition_out_of_range_throw_naming_partition(int partition)
    {
        var name = await CreateTopicAsync(partitions: 3);
        var buffer = new EventEnvelope[1];

        var append = await Assert.ThrowsAsync<ShoalConfigurationException>(() => AppendAsync(name, partition, NewEvent(name)));
        var read = await Assert.ThrowsAsync<ShoalConfigurationException>(() => Engine.Log.ReadAsync(name, partition, 0, buffer, Deadline).AsTask());
        var offsets = await Assert.ThrowsAsync<ShoalConfigurationException>(() => Engine.Log.GetOffsetsAsync(name, partition, Deadline).AsTask());

        Assert.All([append, read, offsets], e => Assert.Equal("partition", e.Field));
    }
}
