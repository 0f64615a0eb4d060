using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Engines;

public sealed partial class InProcessEngineTests
{
    [Fact]
    public async Task Concurrent_appenders_and_readers_see_every_event_once_in_dense_order()
    {
        const int partitions = 4;
        const int writers = 4;
        const int batchesPerWriter = 240; // a multiple of partitions: batch b goes to partition b % partitions
        const int batchSize = 50;
        const int groups = 2;
        const int perPartition = writers * batchesPerWriter * batchSize / partitions;
        await using var engine = InProcessEngine.Create();
        var topic = $"t-{Guid.NewGuid():N}";
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = partitions }, Deadline);

        var readers = Enumerable.Range(0, groups * partitions)
            .Select(i => Task.Run(() => ReadAllAsync(engine.Log, topic, i % partitions, perPartition)))
            .ToArray();
        var appenders = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var batch = new EventEnvelope[batchSize];
            var results = new AppendedEvent[batchSize];
            for (var b = 0; b < batchesPerWriter; b++)
            {
                for (var i = 0; i < batchSize; i++)
                {
                    batch[i] = new EventEnvelope($"{w}-{b}-{i}", topic, null, "type", new byte[8]);
                }

                await engine.Log.AppendAsync(topic, b % partitions, batch, results, Deadline);
                Assert.All(results, r => Assert.False(r.Duplicate));
            }
        })).ToArray();

        await Task.WhenAll(appenders).WaitAsync(Deadline);
        var ids = await Task.WhenAll(readers).WaitAsync(Deadline);

        for (var p = 0; p < partitions; p++)
        {
            Assert.Equal(new PartitionOffsets(0, perPartition), await engine.Log.GetOffsetsAsync(topic, p, Deadline));
        }

        var all = ids.Take(partitions).SelectMany(x => x).ToHashSet();
        Assert.Equal(writers * batchesPerWriter * batchSize, all.Count);
        Assert.All(ids, set => Assert.Equal(perPartition, set.Count));
    }

    private async Task<List<string>> ReadAllAsync(IEventLog log, string topic, int partition, int count)
    {
        var ids = new List<string>(count);
        var buffer = new EventEnvelope[64];
        long next = 0;
        while (ids.Count < count)
        {
            var read = await log.ReadAsync(topic, partition, next, buffer, Deadline);
            for (var i = 0; i < read; i++)
            {
                Assert.Equal(next, buffer[i].Offset);
                Assert.Equal(partition, buffer[i].Partition);
                ids.Add(buffer[i].Id);
                next++;
            }
        }

        return ids;
    }
}
