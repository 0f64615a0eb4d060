using Shoal.Engine;
using Shoal.Partitioning;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Partitioning;

/// <summary>Publishing without a key, as docs/guarantees.md (Partitioning) describes it.</summary>
public sealed class UnkeyedPublishingTests
{
    private const string Topic = "telemetry";

    private static ShoalRuntime Runtime(IShoalEngine engine) => ShoalRuntime.Create(engine, new ShoalOptions
    {
        Topics = [new TopicOptions { Name = Topic, Partitions = 12 }],
        EventTypes = new Shoal.Serialization.EventTypeRegistry().Add<Numbered>("numbered"),
        Publisher = new PublisherOptions { Unkeyed = UnkeyedPartitioning.RoundRobin },
        RandomSeed = 42,
    });

    [Fact]
    public async Task Unkeyed_events_are_stored_without_a_key_and_spread_by_the_unkeyed_partitioner()
    {
        await using var engine = Runtimes.Engine();
        await using var shoal = Runtime(engine);
        await shoal.StartAsync();

        var results = new List<PublishResult>();
        for (var i = 0; i < 24; i++)
        {
            results.Add(await shoal.Publisher.PublishUnkeyedAsync(Topic, new Numbered("-", i)));
        }

        await shoal.Publisher.PublishBatchAsync<Numbered>(Topic, [new(null, new Numbered("-", 24)), new(null, new Numbered("-", 25))]);
        Assert.Equal(Enumerable.Range(0, 12), results.Select(r => r.Partition).Distinct().Order());
        Assert.All(results, r => Assert.False(r.Duplicate));
        var stored = await Runtimes.ReadAllAsync(engine, Topic);
        Assert.Equal(26, stored.Count);
        Assert.All(stored, e => Assert.Null(e.Key));
    }

    [Fact]
    public async Task An_unkeyed_event_with_its_own_id_goes_to_its_ids_partition_so_a_retry_is_stored_once()
    {
        await using var engine = Runtimes.Engine();
        await using var shoal = Runtime(engine);
        await shoal.StartAsync();

        var first = await shoal.Publisher.PublishUnkeyedAsync(Topic, new Numbered("-", 0), id: "reading-7");
        var results = new List<PublishResult>();
        for (var retry = 0; retry < 12; retry++)
        {
            // Round robin would put each retry on another partition; the id decides instead.
            results.Add(await shoal.Publisher.PublishUnkeyedAsync(Topic, new Numbered("-", 0), id: "reading-7"));
        }

        Assert.Equal(KeyHasher.PartitionFor("reading-7", 12), first.Partition);
        Assert.False(first.Duplicate);
        Assert.All(results, r => Assert.Equal((first.Partition, first.Offset, true), (r.Partition, r.Offset, r.Duplicate)));
        Assert.Single(await Runtimes.ReadAllAsync(engine, Topic));
    }
}
