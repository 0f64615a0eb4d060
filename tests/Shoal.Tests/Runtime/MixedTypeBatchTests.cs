using System.Collections.Concurrent;
using Shoal.Serialization;
using Xunit;

namespace Shoal.Tests.Runtime;

public sealed class MixedTypeBatchTests
{
    [Fact]
    public async Task A_batch_of_two_event_types_with_interleaved_keys_is_handled_in_per_key_order_by_both_handlers()
    {
        await using var engine = Runtimes.Engine();
        var handled = new ConcurrentDictionary<string, List<string>>();
        void Record(string key, string what)
        {
            var list = handled.GetOrAdd(key, _ => []);
            lock (list)
            {
                list.Add(what);
            }
        }

        var group = new GroupOptions { Name = "g", Topic = "orders", MaxConcurrency = 16 };
        await using var shoal = ShoalRuntime.Create(engine, new ShoalOptions
        {
            Topics = [new TopicOptions { Name = "orders", Partitions = 4 }],
            // Two formats as well as two types: each event is serialized by its own type's serializer.
            EventTypes = new EventTypeRegistry().Add<Placed>("placed").Add<Paid>("paid", SerializationFormat.MessagePack),
            Groups =
            [
                new GroupRegistration
                {
                    Options = group,
                    Handlers =
                    [
                        HandlerRegistration.For<Placed>(async (e, ctx, ct) =>
                        {
                            await Task.Yield();
                            Record(e.Key, $"placed-{e.Sequence}");
                        }),
                        HandlerRegistration.For<Paid>((e, ctx, ct) =>
                        {
                            Record(e.Key, $"paid-{e.Sequence}");
                            return ValueTask.CompletedTask;
                        }),
                    ],
                },
            ],
            RandomSeed = 42,
        }.UseMessagePack());
        await shoal.StartAsync();

        const int keys = 20;
        const int perKey = 30;
        var batch = new List<OutgoingEvent>();
        for (var s = 0; s < perKey; s++)
        {
            for (var k = 0; k < keys; k++)
            {
                // Each key alternates types, in a pattern that differs between keys.
                object e = (s + k) % 2 == 0 ? new Placed($"key-{k}", s) : new Paid($"key-{k}", s);
                batch.Add(new OutgoingEvent($"key-{k}", e));
            }
        }

        var results = await shoal.Publisher.PublishBatchAsync("orders", batch);
        Assert.Equal(batch.Count, results.Length);
        await Wait.UntilAsync(() => handled.Values.Sum(l => { lock (l) { return l.Count; } }) >= keys * perKey, "all events handled");
        await shoal.StopAsync();

        var stored = await Runtimes.ReadAllAsync(engine, "orders");
        Assert.Equal(keys * perKey / 2, stored.Count(e => e.Type == "placed" && e.ContentType == ContentTypes.Json));
        Assert.Equal(keys * perKey / 2, stored.Count(e => e.Type == "paid" && e.ContentType == ContentTypes.MessagePack));
        for (var k = 0; k < keys; k++)
        {
            var expected = Enumerable.Range(0, perKey).Select(s => ((s + k) % 2 == 0 ? "placed-" : "paid-") + s);
            Assert.Equal(expected, handled[$"key-{k}"]);
        }
    }

    [Fact]
    public async Task A_batch_holding_an_unregistered_type_or_null_stores_nothing_and_names_the_event()
    {
        await using var engine = Runtimes.Engine();
        await using var shoal = ShoalRuntime.Create(engine, new ShoalOptions
        {
            Topics = [new TopicOptions { Name = "orders", Partitions = 4 }],
            EventTypes = new EventTypeRegistry().Add<Placed>("placed"),
            RandomSeed = 42,
        });
        await shoal.StartAsync();

        var unregistered = await Assert.ThrowsAsync<ShoalConfigurationException>(async () =>
            await shoal.Publisher.PublishBatchAsync("orders", [new OutgoingEvent("a", new Placed("a", 0)), new OutgoingEvent("a", new Paid("a", 1))]));
        var missing = await Assert.ThrowsAsync<ShoalConfigurationException>(async () =>
            await shoal.Publisher.PublishBatchAsync("orders", [new OutgoingEvent("a", new Placed("a", 0)), new OutgoingEvent("b", null!)]));

        Assert.Equal("events[1].Event", unregistered.Field);
        Assert.Contains("Paid is not registered", unregistered.Message, StringComparison.Ordinal);
        Assert.Equal("events[1].Event", missing.Field);
        Assert.Empty(await Runtimes.ReadAllAsync(engine, "orders"));
    }

    public sealed record Placed(string Key, int Sequence);

    public sealed record Paid(string Key, int Sequence);
}
