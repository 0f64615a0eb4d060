using System.Text.Json;
using Shoal.Engine;
using Shoal.Scenarios.Workload;
using Xunit;
using static Shoal.Tests.Cli.VerbRunner;

namespace Shoal.Tests.Cli;

/// <summary>
/// <c>shoal verify</c> must be able to fail: records are written here by hand (as a faulty worker would) and verify
/// must see the loss, the reordering or the unaccounted event — and pass when the records are right.
/// </summary>
public sealed class VerifyVerbTests
{
    private const string Topic = "events";
    private const string Group = "g";

    /// <summary>Produces 100 events of one key (sequences 0…99) in one partition; no worker runs.</summary>
    private static async Task<(string Engine, IShoalEngine Opened)> ProduceAsync()
    {
        var engine = NewEngine();
        var produced = await RunAsync(["produce", "--engine", engine, "--topic", Topic, "--events", "100", "--keys", "1", "--partitions", "1"]);
        Assert.True(produced.ExitCode == 0, produced.ToString());
        return (engine, await ShoalEngines.OpenAsync(engine));
    }

    /// <summary>Appends records of key-0 with the given (sequence, epoch) pairs, in order, and commits <paramref name="committed"/>.</summary>
    private static async Task RecordAsync(IShoalEngine opened, IEnumerable<(long Seq, long Epoch)> handled, long committed = 100)
    {
        var log = opened.Log;
        var recordTopic = (await log.CreateTopicAsync(HandledRecord.TopicOptionsFor(Topic, Group, 1))).Name;
        var recorder = new HandledRecorder(log, recordTopic);
        foreach (var (seq, epoch) in handled)
        {
            await recorder.RecordAsync(new HandledRecord { EventId = $"e{seq}", Key = "key-0", Seq = seq, Member = "m", Partition = 0, Offset = seq, Epoch = epoch });
        }

        var key = CoordinationKeys.Offset(Topic, Group, 0);
        var existing = await opened.Coordination.GetAsync(key);
        var value = new CommittedOffset(committed, 1).Encode();
        Assert.NotNull(existing is { } e
            ? await opened.Coordination.TryUpdateAsync(key, value, e.Revision)
            : await opened.Coordination.TryCreateAsync(key, value));
    }

    private static Task<VerbResult> VerifyAsync(string engine) =>
        RunAsync(["verify", "--engine", engine, "--topic", Topic, "--group", Group, "--wait", "0", "--json"]);

    private static IEnumerable<(long, long)> Range(long from, long to, long epoch)
    {
        for (var s = from; s < to; s++)
        {
            yield return (s, epoch);
        }
    }

    [Fact]
    public async Task Every_event_recorded_in_order_passes()
    {
        var (engine, opened) = await ProduceAsync();
        await using var _ = opened;
        await RecordAsync(opened, Range(0, 100, 1));

        var result = await VerifyAsync(engine);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        Assert.Equal(100, json.GetProperty("produced").GetInt64());
        Assert.Equal(100, json.GetProperty("processed").GetInt64());
        Assert.Equal(0, json.GetProperty("lost").GetInt64());
        Assert.True(json.GetProperty("caughtUp").GetBoolean());
    }

    [Fact]
    public async Task A_missing_record_is_a_loss_even_when_the_offset_was_committed()
    {
        var (engine, opened) = await ProduceAsync();
        await using var _ = opened;
        await RecordAsync(opened, Range(0, 100, 1).Where(r => r.Item1 != 42));

        var result = await VerifyAsync(engine);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.Long("lost"));
        Assert.Equal(99, result.Long("processed"));
    }

    [Fact]
    public async Task Events_no_worker_handled_are_lost_once_the_wait_is_over()
    {
        var (engine, opened) = await ProduceAsync();
        await using var _ = opened;

        var result = await RunAsync(["verify", "--engine", engine, "--topic", Topic, "--group", Group, "--wait", "200ms", "--json"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(100, result.Long("lost"));
        Assert.False(result.Json().GetProperty("caughtUp").GetBoolean());
        Assert.Equal(100, result.Long("lag"));
    }

    [Fact]
    public async Task Sequences_out_of_order_within_one_epoch_are_a_violation()
    {
        var (engine, opened) = await ProduceAsync();
        await using var _ = opened;
        var swapped = Range(0, 100, 1).ToList();
        (swapped[50], swapped[51]) = (swapped[51], swapped[50]);
        await RecordAsync(opened, swapped);

        var result = await VerifyAsync(engine);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.Long("orderViolations"));
        Assert.Equal(0, result.Long("lost"));
    }

    [Fact]
    public async Task A_new_owner_replaying_from_the_committed_offset_makes_duplicates_not_violations()
    {
        var (engine, opened) = await ProduceAsync();
        await using var _ = opened;
        // Epoch 1 handled 0…60 but committed only up to 50; epoch 2 redelivers from 50.
        await RecordAsync(opened, Range(0, 61, 1).Concat(Range(50, 100, 2)));

        var result = await VerifyAsync(engine);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(11, result.Long("duplicates"));
        Assert.Equal(0, result.Long("orderViolations"));
    }

    [Fact]
    public async Task Going_back_within_one_epoch_is_a_violation_even_for_an_event_seen_before()
    {
        var (engine, opened) = await ProduceAsync();
        await using var _ = opened;
        await RecordAsync(opened, Range(0, 61, 1).Append((50, 1)).Concat(Range(61, 100, 1)));

        var result = await VerifyAsync(engine);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.Long("orderViolations"));
        Assert.Equal(1, result.Long("duplicates"));
    }

    [Fact]
    public async Task An_acknowledged_event_missing_from_the_topic_is_lost()
    {
        var engine = NewEngine();
        await using var opened = await ShoalEngines.OpenAsync(engine);
        await opened.Log.CreateTopicAsync(new TopicOptions { Name = Topic, Partitions = 1 });
        // A producer that was told 10 events were stored, of which the engine kept 9.
        var run = new ProduceRun { RunId = "r", Keys = 1, Events = 10, Acknowledged = 10 };
        await ProduceRuns.ReserveAsync(opened.Coordination, Topic, run, default);
        var events = Enumerable.Range(0, 10).Where(n => n != 7).Select(n => new EventEnvelope(
            $"r-{n}", Topic, "key-0", ProducedEvent.TypeName,
            JsonSerializer.SerializeToUtf8Bytes(new ProducedEvent { Key = "key-0", Seq = n, RunId = "r" }, WorkloadJsonContext.Default.ProducedEvent))).ToArray();
        await opened.Log.AppendAsync(Topic, 0, events, new AppendedEvent[events.Length]);
        await RecordAsync(opened, Range(0, 10, 1).Where(r => r.Item1 != 7), committed: 9);

        var result = await VerifyAsync(engine);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.Long("missingFromLog"));
        Assert.Equal(1, result.Long("lost"));
        Assert.Equal(10, result.Long("produced"));
        Assert.Equal(10, result.Long("acknowledged"));
    }

    [Fact]
    public async Task An_event_no_produce_run_accounts_for_fails_verification()
    {
        var (engine, opened) = await ProduceAsync();
        await using var _ = opened;
        await opened.Log.AppendAsync(Topic, 0, new[] { new EventEnvelope("x", Topic, "key-0", "other.type", "{}"u8.ToArray()) }, new AppendedEvent[1]);
        await RecordAsync(opened, Range(0, 100, 1), committed: 101);

        var result = await VerifyAsync(engine);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.Long("unexpected"));
        Assert.Contains("cannot be verified", result.Err);
    }

    [Fact]
    public async Task Verify_on_a_missing_topic_says_so()
    {
        var result = await RunAsync(["verify", "--engine", NewEngine(), "--topic", "nope", "--group", Group, "--wait", "0"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("topic 'nope' does not exist", result.Err);
    }

    /// <summary>
    /// Event <paramref name="seq"/> (0–127) of key-0 as a foreign producer writes it in each documented encoding
    /// (docs/wire-format.md, "The CLI's event"), bytes written by hand.
    /// </summary>
    private static byte[] Foreign(string contentType, byte seq) => contentType switch
    {
        ContentTypes.Json => System.Text.Encoding.UTF8.GetBytes($$"""{"key":"key-0","seq":{{seq}},"runId":"run-1"}"""),
        ContentTypes.MessagePack => [0x83, 0xA3, .. "key"u8, 0xA5, .. "key-0"u8, 0xA3, .. "seq"u8, seq, 0xA5, .. "runId"u8, 0xA5, .. "run-1"u8],
        ContentTypes.Protobuf => [0x0A, 0x05, .. "key-0"u8, 0x10, seq, 0x1A, 0x05, .. "run-1"u8],
        ContentTypes.Xml => System.Text.Encoding.UTF8.GetBytes($"<producedEvent><key>key-0</key><seq>{seq}</seq><runId>run-1</runId></producedEvent>"),
        _ => throw new ArgumentOutOfRangeException(nameof(contentType)),
    };

    [Theory]
    [InlineData(ContentTypes.Json)]
    [InlineData(ContentTypes.MessagePack)]
    [InlineData(ContentTypes.Protobuf)]
    [InlineData(ContentTypes.Xml)]
    [InlineData("application/vnd.msgpack")]
    public async Task Events_in_every_documented_encoding_are_verified_like_json(string contentType)
    {
        // A foreign producer's run: reserved as 'shoal produce' would, its 20 events written in the given encoding.
        const int events = 20;
        var engine = NewEngine();
        await using var opened = await ShoalEngines.OpenAsync(engine);
        await opened.Log.CreateTopicAsync(new TopicOptions { Name = Topic, Partitions = 1 });
        await ProduceRuns.ReserveAsync(opened.Coordination, Topic, new ProduceRun { RunId = "run-1", Keys = 1, Events = events, Acknowledged = events }, CancellationToken.None);
        var type = contentType == "application/vnd.msgpack" ? ContentTypes.MessagePack : contentType;
        var batch = Enumerable.Range(0, events)
            .Select(n => new EventEnvelope($"run-1-{n}", Topic, "key-0", ProducedEvent.TypeName, Foreign(type, (byte)n)) { ContentType = contentType })
            .ToArray();
        await opened.Log.AppendAsync(Topic, 0, batch, new AppendedEvent[events]);
        await RecordAsync(opened, Range(0, events, 1), committed: events);

        var result = await VerifyAsync(engine);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(events, result.Long("produced"));
        Assert.Equal(0, result.Long("unexpected"));
        Assert.Equal(0, result.Long("lost"));
    }
}
