using Shoal.Engines.InProcess;
using Shoal.Serialization;
using Xunit;

namespace Shoal.Tests.Runtime;

/// <summary>De-duplication, every bad-input path of publishing and configuration, and bounded prefetch.</summary>
public sealed class InputAndBackpressureTests
{
    private const string Topic = "orders";

    private static GroupOptions Group() => new() { Name = "g", Topic = Topic, CommitInterval = TimeSpan.FromHours(1) };

    private static readonly HandlerRegistration Noop = HandlerRegistration.For<Numbered>((e, ctx, ct) => ValueTask.CompletedTask);

    [Fact]
    public async Task Publishing_the_same_id_twice_stores_it_once_and_the_handler_sees_it_once()
    {
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 2, Group(), handler));
        await shoal.StartAsync();
        var first = await shoal.Publisher.PublishAsync(Topic, new OutgoingEvent<Numbered>("k", new Numbered("k", 1)) { Id = "order-1" });
        var second = await shoal.Publisher.PublishAsync(Topic, new OutgoingEvent<Numbered>("k", new Numbered("k", 1)) { Id = "order-1" });
        await shoal.Publisher.PublishAsync(Topic, new OutgoingEvent<Numbered>("k", new Numbered("k", 2)) { Id = "order-2" });

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal(first.Offset, second.Offset);
        Assert.Equal(2, await Runtimes.CountAsync(engine, Topic));
        await Wait.UntilAsync(() => shoal.GetProgress("g").Sum(p => p.Processed) == 2, "both stored events processed");
        Assert.Equal(new[] { 1, 2 }, recorder.Of("k"));
    }

    [Fact]
    public async Task A_restarted_node_with_the_same_random_seed_does_not_repeat_generated_event_ids()
    {
        await using var engine = Runtimes.Engine();
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = Topic, Partitions = 1 });
        var first = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), Noop));
        var before = await first.Publisher.PublishAsync(Topic, "k", new Numbered("k", 0));
        await first.DisposeAsync();

        // Same options, same seed (42), same engine: a restart. Its first generated id must not collide.
        await using var second = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), Noop));
        var after = await second.Publisher.PublishAsync(Topic, "k", new Numbered("k", 1));
        Assert.NotEqual(before.Id, after.Id);
        Assert.False(after.Duplicate);
        Assert.Equal(2, await Runtimes.CountAsync(engine, Topic));
    }

    [Fact]
    public async Task Publishing_to_a_missing_topic_throws_topic_not_found()
    {
        await using var engine = Runtimes.Engine();
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), Noop));
        await shoal.StartAsync();
        var ex = await Assert.ThrowsAsync<TopicNotFoundException>(async () => await shoal.Publisher.PublishAsync(Topic + "-missing", "k", new Numbered("k", 0)));
        Assert.Equal(Topic + "-missing", ex.Topic);
    }

    [Fact]
    public async Task Publishing_an_unregistered_event_type_throws_a_configuration_error_and_stores_nothing()
    {
        await using var engine = Runtimes.Engine();
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), Noop));
        await shoal.StartAsync();
        await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await shoal.Publisher.PublishAsync(Topic, "k", new Unhandled("x")));
        Assert.Equal(0, await Runtimes.CountAsync(engine, Topic));
    }

    [Fact]
    public async Task An_oversized_event_throws_event_too_large_and_nothing_is_stored()
    {
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { MaxEventBytes = 200 });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), Noop));
        await shoal.StartAsync();
        var ex = await Assert.ThrowsAsync<EventTooLargeException>(async () =>
            await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 0, new string('x', 500))));
        Assert.Equal(200, ex.Limit);
        Assert.True(ex.Size > 200);
        Assert.Equal(0, await Runtimes.CountAsync(engine, Topic));

        // A batch holding one oversized event is rejected whole (same partition: one append).
        var batch = new[]
        {
            new OutgoingEvent<Numbered>("k", new Numbered("k", 1)),
            new OutgoingEvent<Numbered>("k", new Numbered("k", 2, new string('x', 500))),
        };
        await Assert.ThrowsAsync<EventTooLargeException>(async () => await shoal.Publisher.PublishBatchAsync(Topic, batch));
        Assert.Equal(0, await Runtimes.CountAsync(engine, Topic));

        // Small events still go through.
        await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 3));
        Assert.Equal(1, await Runtimes.CountAsync(engine, Topic));
    }

    [Fact]
    public async Task A_batch_with_an_event_that_breaks_the_event_rules_throws_naming_it_and_stores_nothing_on_any_partition()
    {
        await using var engine = Runtimes.Engine();
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 4, Group(), Noop));
        await shoal.StartAsync();
        var keys = Enumerable.Range(0, 100).Select(i => $"k-{i}").DistinctBy(k => Shoal.Partitioning.KeyHasher.PartitionFor(k, 4)).ToArray();
        Assert.Equal(4, keys.Length);
        var typed = keys.Select((k, i) => new OutgoingEvent<Numbered>(k, new Numbered(k, i))).Append(new OutgoingEvent<Numbered>("k-x", new Numbered("k-x", 9))).ToArray();
        typed[3] = typed[3] with { Headers = new Dictionary<string, string> { ["a b"] = "v" } };

        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await shoal.Publisher.PublishBatchAsync(Topic, typed));

        Assert.Equal("events[3].Headers[\"a b\"]", error.Field);
        Assert.Equal(0, await Runtimes.CountAsync(engine, Topic));

        var serialized = keys.Select(k => new SerializedEvent(k, "numbered", "{}"u8.ToArray())).ToArray();
        serialized[2] = serialized[2] with { Key = "a\nb" };
        error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await shoal.Publisher.PublishSerializedBatchAsync(Topic, serialized));

        Assert.Equal("events[2].Key", error.Field);
        Assert.Equal(0, await Runtimes.CountAsync(engine, Topic));
    }

    public static TheoryData<string, string> InvalidOptions => new()
    {
        { "max-in-flight-0", "GroupOptions.MaxInFlight" },
        { "max-concurrency-0", "GroupOptions.MaxConcurrency" },
        { "fetch-batch-0", "GroupOptions.FetchBatchSize" },
        { "handler-timeout-0", "GroupOptions.HandlerTimeout" },
        { "commit-interval-0", "GroupOptions.CommitInterval" },
        { "drain-negative", "GroupOptions.DrainTimeout" },
        { "jitter-2", "RetryOptions.Jitter" },
        { "max-attempts-0", "RetryOptions.MaxAttempts" },
        { "max-backoff-below-initial", "RetryOptions.MaxBackoff" },
        { "duplicate-topic", "ShoalOptions.Topics" },
        { "duplicate-group", "GroupOptions.Name" },
        { "no-handler", "GroupRegistration.Handlers" },
        { "unregistered-handler-type", "GroupRegistration.Handlers" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task Invalid_options_fail_at_create_with_a_message_naming_the_field(string @case, string field)
    {
        await using var engine = Runtimes.Engine();
        var group = Group();
        var options = Runtimes.Options(Topic, 1, group, Noop);
        options = @case switch
        {
            "max-in-flight-0" => WithGroup(options, group with { MaxInFlight = 0 }),
            "max-concurrency-0" => WithGroup(options, group with { MaxConcurrency = 0 }),
            "fetch-batch-0" => WithGroup(options, group with { FetchBatchSize = 0 }),
            "handler-timeout-0" => WithGroup(options, group with { HandlerTimeout = TimeSpan.Zero }),
            "commit-interval-0" => WithGroup(options, group with { CommitInterval = TimeSpan.Zero }),
            "drain-negative" => WithGroup(options, group with { DrainTimeout = TimeSpan.FromSeconds(-1) }),
            "jitter-2" => WithGroup(options, group with { Retry = new RetryOptions { Jitter = 2 } }),
            "max-attempts-0" => WithGroup(options, group with { Retry = new RetryOptions { MaxAttempts = 0 } }),
            "max-backoff-below-initial" => WithGroup(options, group with { Retry = new RetryOptions { InitialBackoff = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1) } }),
            "duplicate-topic" => options with { Topics = [.. options.Topics, new TopicOptions { Name = Topic, Partitions = 1 }] },
            "duplicate-group" => options with { Groups = [.. options.Groups, .. options.Groups] },
            "no-handler" => options with { Groups = [new GroupRegistration { Options = group, Handlers = [] }] },
            "unregistered-handler-type" => options with
            {
                Groups = [new GroupRegistration { Options = group, Handlers = [HandlerRegistration.For<Unhandled>((e, ctx, ct) => ValueTask.CompletedTask)] }],
            },
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };

        var ex = Assert.Throws<ShoalConfigurationException>(() => ShoalRuntime.Create(engine, options));
        Assert.Equal(field, ex.Field);
        Assert.Contains(field, ex.Message);
    }

    private static ShoalOptions WithGroup(ShoalOptions options, GroupOptions group) =>
        options with { Groups = [new GroupRegistration { Options = group, Handlers = options.Groups[0].Handlers }] };

    [Fact]
    public async Task Fetched_but_unfinished_events_never_exceed_max_in_flight()
    {
        const int total = 10_000;
        const int window = 64;
        await using var engine = new WindowCheckingEngine(Runtimes.Engine(), Topic);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var finished = 0;
        var handler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            Interlocked.Increment(ref started);
            await gate.Task.WaitAsync(ct);
            Interlocked.Increment(ref finished);
        });
        var group = Group() with { MaxInFlight = window, MaxConcurrency = 64, DrainTimeout = TimeSpan.Zero };
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, group, handler));
        engine.Watermark = () =>
        {
            // The fetch loop starts reading before the partition is listed in the progress.
            var progress = shoal.GetProgress("g");
            return progress.Count == 0 ? 0 : progress[0].Processed;
        };
        await shoal.StartAsync();
        var batch = Enumerable.Range(0, total).Select(i => new OutgoingEvent<Numbered>($"key-{i % 1000}", new Numbered($"key-{i % 1000}", i / 1000))).ToList();
        await shoal.Publisher.PublishBatchAsync(Topic, batch);

        // Every handler blocks: the fetch loop fills the window (64 distinct keys, 64 handlers) and stops.
        await Wait.UntilAsync(() => Volatile.Read(ref started) == window, "the window's events are running");
        Assert.Equal(window, engine.FetchedEnd);
        Assert.Equal(0, shoal.GetProgress("g")[0].Processed);

        gate.SetResult();
        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == total, "all 10,000 processed", seconds: 20);
        Assert.Equal(total, Volatile.Read(ref finished));
        Assert.InRange(engine.MaxRequestedAhead, 1, window);
        Assert.InRange(engine.MaxFetchedAhead, 1, window);
    }
}
