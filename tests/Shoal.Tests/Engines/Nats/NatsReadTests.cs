using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Shoal.Engine;
using Shoal.Engines.Nats;
using Shoal.Scenarios.Nats;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// Reads on NATS keep their order themselves (a plain pull consumer, not the client's ordered consumer): the parsing
/// they rely on, and reads that go on without loss or repeats when the consumer disappears under them.
/// </summary>
[Collection(NatsServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NatsReadTests(NatsServerFixture server)
{
    [Theory]
    [InlineData("$JS.ACK.SHOAL_t_0.abc.1.42.7.1764240000123456789.99", 42UL, 7UL)]
    [InlineData("$JS.ACK._.ACCHASH.SHOAL_t_0.abc.2.43.8.1764240000123456789.0", 43UL, 8UL)]
    [InlineData("$JS.ACK._.ACCHASH.SHOAL_t_0.abc.2.43.8.1764240000123456789.0.token", 43UL, 8UL)]
    public void The_ack_subject_gives_the_sequences_and_the_store_time(string subject, ulong stream, ulong consumer)
    {
        Assert.True(AckSubject.TryParse(subject, out var streamSequence, out var consumerSequence, out var stored));
        Assert.Equal((stream, consumer), (streamSequence, consumerSequence));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764240000123).AddTicks(4567), stored);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("_INBOX.abc")]
    [InlineData("$JS.ACK.S.c.1.x.7.1.0")]
    [InlineData("$JS.ACK.S.c.1.2.7.1")]
    [InlineData("$JS.ACK.S.c.1.-2.7.1.0")]
    public void Other_subjects_are_not_ack_subjects(string? subject) =>
        Assert.False(AckSubject.TryParse(subject, out _, out _, out _));

    [Fact]
    public void Timestamps_in_the_written_form_parse_exactly_and_other_forms_still_parse()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var time = new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), TimeSpan.Zero);
            Assert.True(EventHeaders.TryParseTimestamp(time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), out var parsed));
            Assert.Equal(time, parsed);
        }

        Assert.True(EventHeaders.TryParseTimestamp("2026-01-02T03:04:05+02:00", out var offset));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 1, 4, 5, TimeSpan.Zero), offset);
        Assert.True(EventHeaders.TryParseTimestamp("2024-02-29T23:59:59.9999999Z", out var leap));
        Assert.Equal(new DateTimeOffset(2024, 2, 29, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_999), leap);
        Assert.False(EventHeaders.TryParseTimestamp("2023-02-29T00:00:00.0000000Z", out _));
        Assert.False(EventHeaders.TryParseTimestamp("2026-13-01T00:00:00.0000000Z", out _));
        Assert.False(EventHeaders.TryParseTimestamp("not a time", out _));
    }

    [Fact]
    public async Task A_read_goes_on_from_where_it_stopped_when_its_consumer_is_deleted()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var engine = await server.ConnectAsync();
        var topic = $"gone{Guid.NewGuid():N}"[..16];
        const int events = 3000;
        await AppendAsync(engine, topic, events, deadline.Token);

        var offsets = new List<long>();
        var buffer = new EventEnvelope[100];
        offsets.AddRange(await ReadOnceAsync(engine, topic, 0, buffer, deadline.Token));

        // Delete every consumer on the partition's stream under the reader (as a server restart loses in-memory ones).
        await using (var nats = new NatsConnection(new NatsOpts { Url = server.Url }))
        {
            var js = new NatsJSContext(nats);
            var stream = NatsNames.Stream(topic, 0);
            var names = new List<string>();
            await foreach (var name in js.ListConsumerNamesAsync(stream, deadline.Token))
            {
                names.Add(name);
            }

            Assert.NotEmpty(names);
            foreach (var name in names)
            {
                await js.DeleteConsumerAsync(stream, name, deadline.Token);
            }
        }

        while (offsets.Count < events)
        {
            offsets.AddRange(await ReadOnceAsync(engine, topic, offsets[^1] + 1, buffer, deadline.Token));
        }

        Assert.Equal(Enumerable.Range(0, events).Select(i => (long)i), offsets);
    }

    [Fact]
    public async Task Events_deleted_from_the_stream_are_read_past_and_no_other_event_is_skipped()
    {
        // A read takes no event past a gap in the stream sequence unless the stream (its leader) no longer holds what
        // was skipped: trimmed or, as here, deleted. A gap the stream does not explain (a replica missing events) makes
        // the read replace its consumer instead (docs/nats.md).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var engine = await server.ConnectAsync();
        var topic = $"holes{Guid.NewGuid():N}"[..16];
        const int events = 3000;
        await AppendAsync(engine, topic, events, deadline.Token);
        long[] deleted = [1000, 1001, 1002, 2999];
        await using (var nats = new NatsConnection(new NatsOpts { Url = server.Url }))
        {
            var js = new NatsJSContext(nats);
            foreach (var offset in deleted)
            {
                await js.DeleteMessageAsync(NatsNames.Stream(topic, 0), new NATS.Client.JetStream.Models.StreamMsgDeleteRequest { Seq = (ulong)offset + 1, NoErase = true }, deadline.Token);
            }
        }

        var offsets = new List<long>();
        var buffer = new EventEnvelope[100];
        while (offsets.Count < events - deleted.Length)
        {
            offsets.AddRange(await ReadOnceAsync(engine, topic, offsets.Count == 0 ? 0 : offsets[^1] + 1, buffer, deadline.Token));
        }

        Assert.Equal(Enumerable.Range(0, events - 1).Select(i => (long)i).Except(deleted), offsets);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_read_goes_on_without_loss_or_repeats_across_a_server_restart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var cluster = await NatsFaultCluster.StartAsync(cancellationToken: deadline.Token);
        await using var engine = await NatsEngine.ConnectAsync(new NatsEngineOptions { Connection = new NatsConnectionOptions { Urls = cluster.Urls } }, deadline.Token);
        var topic = $"restart{Guid.NewGuid():N}"[..16];
        const int events = 2000;
        await AppendAsync(engine, topic, events, deadline.Token);

        var offsets = new List<long>();
        var buffer = new EventEnvelope[100];
        offsets.AddRange(await ReadOnceAsync(engine, topic, 0, buffer, deadline.Token));
        await cluster.RestartAsync(0, cancellationToken: deadline.Token);

        while (offsets.Count < events)
        {
            try
            {
                offsets.AddRange(await ReadOnceAsync(engine, topic, offsets[^1] + 1, buffer, deadline.Token));
            }
            catch (EngineException)
            {
                // The client is still reconnecting; the runtime retries the same way.
            }
        }

        Assert.Equal(Enumerable.Range(0, events).Select(i => (long)i), offsets);
    }

    private static async Task AppendAsync(IShoalEngine engine, string topic, int events, CancellationToken cancellationToken)
    {
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = 1 }, cancellationToken);
        var batch = new EventEnvelope[500];
        for (var sent = 0; sent < events; sent += batch.Length)
        {
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = new EventEnvelope($"e-{sent + i}", topic, $"k{i % 7}", "t", new byte[16]);
            }

            await engine.Log.AppendAsync(topic, 0, batch, new AppendedEvent[batch.Length], cancellationToken);
        }
    }

    private static async Task<long[]> ReadOnceAsync(IShoalEngine engine, string topic, long from, EventEnvelope[] buffer, CancellationToken cancellationToken)
    {
        var count = await engine.Log.ReadAsync(topic, 0, from, buffer, cancellationToken);
        Assert.InRange(count, 1, buffer.Length);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal($"e-{buffer[i].Offset}", buffer[i].Id);
        }

        return [.. buffer.Take(count).Select(e => e.Offset)];
    }
}
