using Shoal.Engine;
using Shoal.Partitioning;
using Shoal.Scenarios.Workload;
using Shoal.Tests.Runtime;
using Xunit;
using static Shoal.Tests.Cli.VerbRunner;

namespace Shoal.Tests.Cli;

/// <summary>
/// A producer in another language writes <c>shoal.produced</c> events in every documented encoding
/// (docs/wire-format.md, "The CLI's event"), its payload bytes written out by hand here, not by a .NET serializer;
/// <c>shoal worker --handler verify</c> decodes each one (its records carry the key, seq and run id it read) and
/// dead-letters none.
/// </summary>
public sealed class ProducedEventEncodingTests
{
    private const string Key = "key-3";
    private const int Partitions = 2;

    public static TheoryData<string, byte[]> ForeignPayloads => new()
    {
        { ContentTypes.Json, """{"key":"key-3","seq":17,"runId":"run-1"}"""u8.ToArray() },
        {
            ContentTypes.MessagePack,
            [
                0x83, // a map of 3 entries
                0xA3, .. "key"u8, 0xA5, .. "key-3"u8,
                0xA3, .. "seq"u8, 0x11, // positive fixint 17
                0xA5, .. "runId"u8, 0xA5, .. "run-1"u8,
            ]
        },
        {
            ContentTypes.Protobuf,
            [
                0x0A, 0x05, .. "key-3"u8, // field 1 (key), length-delimited
                0x10, 0x11,               // field 2 (seq), varint 17
                0x1A, 0x05, .. "run-1"u8, // field 3 (runId), length-delimited
            ]
        },
        { ContentTypes.Xml, """<producedEvent><key>key-3</key><seq>17</seq><runId>run-1</runId></producedEvent>"""u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(ForeignPayloads))]
    public async Task A_foreign_event_in_every_documented_encoding_is_handled_by_shoal_worker(string contentType, byte[] payload)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var engine = NewEngine();
        const string topic = "foreign", group = "g";
        await using var opened = await ShoalEngines.OpenAsync(engine, cancellationToken: deadline.Token);
        await opened.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = Partitions }, deadline.Token);
        var partition = KeyHasher.PartitionFor(Key, Partitions);
        var foreign = new EventEnvelope("foreign-1", topic, Key, ProducedEvent.TypeName, payload) { ContentType = contentType };
        await opened.Log.AppendAsync(topic, partition, new[] { foreign }, new AppendedEvent[1], deadline.Token);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var worker = StartWorker(engine, topic, group, "w1", stop.Token);
        var records = HandledRecord.TopicFor(topic, group);
        var dlq = $"{topic}.{group}.dlq";
        await Wait.UntilAsync(async () => await Runtimes.CountAsync(opened, records) + await Runtimes.CountAsync(opened, dlq) > 0, "the worker handles or dead-letters the event", 30);
        await stop.CancelAsync();
        var result = await worker;

        var dead = await Runtimes.ReadAllAsync(opened, dlq);
        Assert.True(dead.Count == 0, $"dead-lettered: {string.Join("; ", dead.Select(d => d.Headers![ShoalHeaders.ErrorMessage]))}\n{result}");
        var record = HandledRecord.TryDecode(Assert.Single(await Runtimes.ReadAllAsync(opened, records)).Payload);
        Assert.NotNull(record);
        Assert.Equal(("foreign-1", Key, 17L, "run-1"), (record.EventId, record.Key, record.Seq, record.RunId));
        Assert.Equal(0, result.ExitCode);
    }
}
