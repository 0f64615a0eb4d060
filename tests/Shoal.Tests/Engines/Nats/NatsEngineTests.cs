using System.Text;
using Shoal.Engine;
using Shoal.Engines.Nats;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>NATS-specific behaviour beyond the conformance suite: tricky names, tombstones, the runtime on NATS.</summary>
[Collection(NatsServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NatsEngineTests(NatsServerFixture server)
{
    private static readonly CancellationToken Deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task Keys_with_dots_equals_and_empty_segments_list_and_watch_under_exactly_their_prefix()
    {
        await using var engine = await server.ConnectAsync();
        var store = engine.Coordination;
        var root = $"tricky/{Guid.NewGuid():N}/";
        string[] keys = ["p/a.b/x", "p/a/b/x", "p/a=2Eb/x", "p/a/b.x", "p//x", "p/a./y", "p/a../z", "p/./w"];
        foreach (var key in keys)
        {
            Assert.NotNull(await store.TryCreateAsync(root + key, Encoding.UTF8.GetBytes(key), Deadline));
        }

        Assert.Equal([root + "p/a/b.x", root + "p/a/b/x"], (await store.ListAsync(root + "p/a/", Deadline)).Select(e => e.Key));
        Assert.Equal([root + "p/a.b/x"], (await store.ListAsync(root + "p/a.b/", Deadline)).Select(e => e.Key));
        Assert.Equal([root + "p/a../z"], (await store.ListAsync(root + "p/a../", Deadline)).Select(e => e.Key));
        Assert.Equal([root + "p//x"], (await store.ListAsync(root + "p//", Deadline)).Select(e => e.Key));
        Assert.Equal(keys.Select(k => root + k).Order(StringComparer.Ordinal), (await store.ListAsync(root, Deadline)).Select(e => e.Key));
        // A prefix that ends inside a segment is matched by text.
        Assert.Equal(keys.Select(k => root + k).Where(k => k.StartsWith(root + "p/a", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
            (await store.ListAsync(root + "p/a", Deadline)).Select(e => e.Key));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
        await using var watch = store.WatchAsync(root + "p/a.b/", stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((KvChangeKind.Put, root + "p/a.b/x"), (watch.Current.Kind, watch.Current.Key));
        await store.TryCreateAsync(root + "p/a/b/new", Encoding.UTF8.GetBytes("other"), Deadline);
        var created = (await store.TryCreateAsync(root + "p/a.b/new", Encoding.UTF8.GetBytes("mine"), Deadline))!.Value;
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((KvChangeKind.Put, root + "p/a.b/new", created), (watch.Current.Kind, watch.Current.Key, watch.Current.Revision));
        await stop.CancelAsync();
    }

    [Fact]
    public async Task Deleted_keys_show_neither_in_a_list_nor_in_a_watch_snapshot()
    {
        await using var engine = await server.ConnectAsync();
        var store = engine.Coordination;
        var prefix = $"tomb/{Guid.NewGuid():N}/";
        var gone = (await store.TryCreateAsync(prefix + "gone", Encoding.UTF8.GetBytes("x"), Deadline))!.Value;
        await store.TryCreateAsync(prefix + "kept", Encoding.UTF8.GetBytes("y"), Deadline);
        Assert.True(await store.TryDeleteAsync(prefix + "gone", gone, Deadline));

        Assert.Equal([prefix + "kept"], (await store.ListAsync(prefix, Deadline)).Select(e => e.Key));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
        await using var watch = store.WatchAsync(prefix, stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((KvChangeKind.Put, prefix + "kept"), (watch.Current.Kind, watch.Current.Key));
        var after = (await store.TryCreateAsync(prefix + "gone", Encoding.UTF8.GetBytes("again"), Deadline))!.Value;
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((KvChangeKind.Put, prefix + "gone", after), (watch.Current.Kind, watch.Current.Key, watch.Current.Revision));
        await stop.CancelAsync();
    }

    [Theory]
    [InlineData("dots.in.name")]
    [InlineData("a..b")]
    [InlineData("trailing.")]
    [InlineData("x_y-z")]
    public async Task Topic_names_with_dots_work_and_are_listed_by_any_process(string suffix)
    {
        var topic = $"t{Guid.NewGuid():N}"[..10] + suffix;
        await using (var writer = await server.ConnectAsync())
        {
            await writer.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = 2 }, Deadline);
            var results = new AppendedEvent[1];
            await writer.Log.AppendAsync(topic, 1, new[] { new EventEnvelope("id", topic, "k", "t", Encoding.UTF8.GetBytes("v")) }, results, Deadline);
        }

        await using var reader = await server.ConnectAsync();
        var listed = Assert.Single(await reader.Log.ListTopicsAsync(Deadline), t => t.Name == topic);
        Assert.Equal(2, listed.Partitions);
        Assert.Equal(new PartitionOffsets(0, 1), await reader.Log.GetOffsetsAsync(topic, 1, Deadline));
        var buffer = new EventEnvelope[1];
        Assert.Equal(1, await reader.Log.ReadAsync(topic, 1, 0, buffer, Deadline));
        Assert.Equal(("id", "k", "v"), (buffer[0].Id, buffer[0].Key, Encoding.UTF8.GetString(buffer[0].Payload.Span)));
    }

    [Fact]
    public async Task Non_ascii_keys_and_header_values_round_trip()
    {
        await using var engine = await server.ConnectAsync();
        var topic = $"utf8-{Guid.NewGuid():N}";
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = 1 }, Deadline);
        var e = new EventEnvelope("id-ü", topic, "ключ/キー", "type", Encoding.UTF8.GetBytes("{}"))
        {
            Headers = new Dictionary<string, string> { ["x-note"] = "naïve ☃" },
        };
        await engine.Log.AppendAsync(topic, 0, new[] { e }, new AppendedEvent[1], Deadline);

        var buffer = new EventEnvelope[1];
        await engine.Log.ReadAsync(topic, 0, 0, buffer, Deadline);
        Assert.Equal(("id-ü", "ключ/キー", "naïve ☃"), (buffer[0].Id, buffer[0].Key, buffer[0].Headers!["x-note"]));
    }

    [Fact]
    public async Task The_runtime_on_nats_handles_every_event_once_in_per_key_order_and_commits()
    {
        await using var engine = await server.ConnectAsync();
        var topic = $"e2e-{Guid.NewGuid():N}";
        var recorder = new Recorder();
        var group = new GroupOptions { Name = "g", Topic = topic, MaxConcurrency = 16 };
        var handler = HandlerRegistration.For<Numbered>((e, _, _) =>
        {
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(topic, 4, group, handler));
        await shoal.StartAsync(Deadline);

        const int keys = 20, perKey = 50;
        var batch = new List<OutgoingEvent<Numbered>>();
        for (var s = 0; s < perKey; s++)
        {
            for (var k = 0; k < keys; k++)
            {
                batch.Add(new OutgoingEvent<Numbered>($"key-{k}", new Numbered($"key-{k}", s)));
            }
        }

        await shoal.Publisher.PublishBatchAsync(topic, batch, Deadline);
        await Wait.UntilAsync(() => recorder.Count >= keys * perKey, "all events handled", 30);
        await shoal.StopAsync(Deadline);

        Assert.Equal(keys * perKey, recorder.Count);
        for (var k = 0; k < keys; k++)
        {
            Assert.Equal(Enumerable.Range(0, perKey), recorder.Of($"key-{k}"));
        }

        for (var p = 0; p < 4; p++)
        {
            Assert.Equal((await engine.Log.GetOffsetsAsync(topic, p, Deadline)).End, await Runtimes.CommittedAsync(engine, topic, "g", p));
        }
    }
}
