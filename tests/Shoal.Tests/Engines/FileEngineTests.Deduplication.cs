using Microsoft.Extensions.Time.Testing;
using Shoal.Engine;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>The de-duplication window means the same after a restart as before it.</summary>
public sealed partial class FileEngineTests
{
    [Fact]
    public async Task After_a_restart_the_newest_ids_of_the_whole_topic_are_remembered_as_before_it()
    {
        // 40 rounds, one second apart, each appending 10 events to each of 4 partitions: 1,600 ids where the topic
        // keeps 1,000. Before and after the restart, the ids of the newest 25 rounds are remembered, older ones not.
        const int rounds = 40;
        const int perPartition = 10;
        const int maxIds = 1000;
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var topic = new TopicOptions { Name = "t", Partitions = 4, DeduplicationMaxIds = maxIds, DeduplicationWindow = TimeSpan.FromMinutes(2) };
        await using (var engine = await OpenAsync(o => o with { TimeProvider = time }))
        {
            await engine.Log.CreateTopicAsync(topic);
            for (var round = 0; round < rounds; round++)
            {
                for (var p = 0; p < topic.Partitions; p++)
                {
                    await AppendAsync(engine, "t", p, perPartition, first: round * perPartition);
                }

                time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        await using (var engine = await OpenAsync(o => o with { TimeProvider = time }))
        {
            var remembered = rounds - (maxIds / (perPartition * topic.Partitions));
            for (var round = remembered; round < rounds; round++)
            {
                for (var p = 0; p < topic.Partitions; p++)
                {
                    var events = Enumerable.Range(round * perPartition, perPartition).Select(n => Event("t", p, n)).ToArray();
                    var results = new AppendedEvent[perPartition];
                    await engine.Log.AppendAsync("t", p, events, results);
                    for (var i = 0; i < perPartition; i++)
                    {
                        Assert.True(results[i].Duplicate, $"{events[i].Id} (round {round}, partition {p}) was forgotten by the restart");
                        Assert.Equal((round * perPartition) + i, results[i].Offset);
                    }
                }
            }

            // The round before them was evicted before the restart too: its ids are stored again.
            var older = new AppendedEvent[1];
            await engine.Log.AppendAsync("t", 0, new[] { Event("t", 0, (remembered - 1) * perPartition) }, older);
            Assert.Equal(new AppendedEvent(rounds * perPartition, false), older[0]);
        }
    }
}
