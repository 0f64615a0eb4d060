using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Shoal.Engine;
using Shoal.Partitioning;
using Shoal.Serialization;
using Xunit;

namespace Shoal.Tests.Runtime;

/// <summary>Retries, dead letters, poison-key policies, timeouts and bad payloads, through the runtime on fake time.</summary>
public sealed class FailureHandlingTests
{
    private const string Topic = "orders";
    private const string Dlq = "orders.g.dlq";

    private static readonly RetryOptions NoRetry = new() { MaxAttempts = 1 };

    private static GroupOptions Group(RetryOptions? retry = null, PoisonKeyPolicy policy = PoisonKeyPolicy.Park) => new()
    {
        Name = "g",
        Topic = Topic,
        Retry = retry ?? NoRetry,
        PoisonKeyPolicy = policy,
        CommitInterval = TimeSpan.FromHours(1),
        DrainTimeout = TimeSpan.Zero,
    };

    [Fact]
    public async Task A_failing_handler_is_retried_after_the_backoff_and_sees_attempts_1_2_3()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var attempts = new ConcurrentQueue<int>();
        var handled = 0;
        var retry = new RetryOptions { MaxAttempts = 5, InitialBackoff = TimeSpan.FromSeconds(1), Multiplier = 2, Jitter = 0 };
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            attempts.Enqueue(ctx.Attempt);
            if (ctx.Attempt < 3)
            {
                throw new InvalidOperationException($"attempt {ctx.Attempt} fails");
            }

            Interlocked.Increment(ref handled);
            return ValueTask.CompletedTask;
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(retry), handler) with { TimeProvider = clock });
        await shoal.StartAsync();
        await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 0));

        var tick = TimeSpan.FromTicks(1);
        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(1), "the first retry's backoff (1 s) is armed");
        Assert.Equal(new[] { 1 }, attempts);
        clock.Advance(TimeSpan.FromSeconds(1) - tick);
        Assert.Contains(tick, clock.PendingOneShots());
        Assert.Equal(new[] { 1 }, attempts);
        clock.Advance(tick);

        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(2), "the second retry's backoff (doubled, 2 s) is armed");
        Assert.Equal(new[] { 1, 2 }, attempts);
        clock.Advance(TimeSpan.FromSeconds(2) - tick);
        Assert.Contains(tick, clock.PendingOneShots());
        Assert.Equal(new[] { 1, 2 }, attempts);
        clock.Advance(tick);

        await Wait.UntilAsync(() => Volatile.Read(ref handled) == 1, "handled on the third attempt");
        await shoal.StopAsync();
        Assert.Equal(new[] { 1, 2, 3 }, attempts);
        Assert.Equal(0, await Runtimes.CountAsync(engine, Dlq));
        Assert.Equal(1, await Runtimes.CommittedAsync(engine, Topic, "g", 0));
    }

    [Fact]
    public async Task Backoff_jitter_stays_within_bounds_and_is_reproducible_from_the_seed()
    {
        var first = await BackoffsAsync(seed: 42);
        var second = await BackoffsAsync(seed: 42);
        Assert.Equal(first, second);
        Assert.Equal(3, first.Count);
        for (var i = 0; i < first.Count; i++)
        {
            var nominal = TimeSpan.FromSeconds(Math.Pow(2, i));
            Assert.InRange(first[i], nominal * 0.5, nominal * 1.5);
        }

        Assert.NotEqual(new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4) }, first);
    }

    private static async Task<List<TimeSpan>> BackoffsAsync(int seed)
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var attempts = 0;
        var retry = new RetryOptions { MaxAttempts = 4, InitialBackoff = TimeSpan.FromSeconds(1), Multiplier = 2, Jitter = 0.5 };
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("always");
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(retry), handler) with { TimeProvider = clock, RandomSeed = seed });
        await shoal.StartAsync();
        await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 0));
        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await Wait.UntilAsync(() => Volatile.Read(ref attempts) == attempt && clock.PendingOneShots().Count == 1, $"backoff after attempt {attempt}");
            var delay = clock.PendingOneShots()[0];
            delays.Add(delay);
            clock.Advance(delay - TimeSpan.FromTicks(1));
            Assert.Equal(attempt, Volatile.Read(ref attempts));
            clock.Advance(TimeSpan.FromTicks(1));
        }

        await Wait.UntilAsync(async () => await Runtimes.CountAsync(engine, Dlq) == 1, "dead-lettered after 4 attempts");
        Assert.Equal(4, Volatile.Read(ref attempts));
        return delays;
    }

    [Fact]
    public async Task After_max_attempts_the_event_goes_to_the_dead_letter_topic_with_the_error()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var attempts = new ConcurrentQueue<int>();
        var retry = new RetryOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(100), Jitter = 0 };
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            attempts.Enqueue(ctx.Attempt);
            throw new InvalidOperationException($"boom {e.Sequence}");
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 3, Group(retry), handler) with { TimeProvider = clock });
        await shoal.StartAsync();
        var published = await shoal.Publisher.PublishAsync(Topic, new OutgoingEvent<Numbered>("k", new Numbered("k", 7))
        {
            Headers = new Dictionary<string, string> { ["app"] = "kept" },
        });

        await clock.RunUntilAsync(() => Runtimes.CountAsync(engine, Dlq).Result == 1, "dead-lettered");
        var dead = Assert.Single(await Runtimes.ReadAllAsync(engine, Dlq));
        Assert.Equal(new[] { 1, 2, 3 }, attempts);
        Assert.Equal(published.Id, dead.Id);
        Assert.Equal("k", dead.Key);
        Assert.Equal("numbered", dead.Type);
        Assert.Equal(published.Partition, dead.Partition);
        var headers = dead.Headers!;
        Assert.Equal(ShoalHeaders.Reasons.HandlerFailed, headers[ShoalHeaders.DeadLetterReason]);
        Assert.Equal(typeof(InvalidOperationException).FullName, headers[ShoalHeaders.ErrorType]);
        Assert.Equal("boom 7", headers[ShoalHeaders.ErrorMessage]);
        Assert.Equal("3", headers[ShoalHeaders.Attempts]);
        Assert.Equal("g", headers[ShoalHeaders.Group]);
        Assert.Equal(Topic, headers[ShoalHeaders.OriginalTopic]);
        Assert.Equal(published.Partition.ToString(), headers[ShoalHeaders.OriginalPartition]);
        Assert.Equal(published.Offset.ToString(), headers[ShoalHeaders.OriginalOffset]);
        Assert.Equal("kept", headers["app"]);
        Assert.Equal(new Numbered("k", 7), JsonSerializer.Deserialize<Numbered>(dead.Payload.Span, JsonSerializerOptions.Web));

        // Dead-lettering is an outcome: the offset moves past the event.
        await shoal.StopAsync();
        Assert.Equal(published.Offset + 1, await Runtimes.CommittedAsync(engine, Topic, "g", published.Partition));
    }

    [Fact]
    public async Task An_error_message_with_line_breaks_is_dead_lettered_on_one_line()
    {
        await using var engine = Runtimes.Engine();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) => throw new InvalidOperationException(" first line\r\nsecond line\n"));
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), handler));
        await shoal.StartAsync();

        await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 1));

        await Wait.UntilAsync(async () => await Runtimes.CountAsync(engine, Dlq) == 1, "dead-lettered although the message breaks the header rules");
        var dead = Assert.Single(await Runtimes.ReadAllAsync(engine, Dlq));
        Assert.Equal("first line  second line", dead.Headers![ShoalHeaders.ErrorMessage]);
    }

    [Fact]
    public async Task Park_holds_back_later_events_of_the_poisoned_key_while_other_keys_flow_until_released()
    {
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var badCalls = 0;
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            if (e.Key == "bad" && e.Sequence == 0)
            {
                Interlocked.Increment(ref badCalls);
                throw new InvalidOperationException("poison");
            }

            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(policy: PoisonKeyPolicy.Park), handler));
        await shoal.StartAsync();
        var batch = new List<OutgoingEvent<Numbered>>();
        for (var s = 0; s < 3; s++)
        {
            batch.Add(new("bad", new Numbered("bad", s)));
            batch.Add(new("good", new Numbered("good", s)));
        }

        var published = await shoal.Publisher.PublishBatchAsync(Topic, batch);
        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == 6, "the watermark passes every event");
        Assert.Equal(new[] { 0, 1, 2 }, recorder.Of("good"));
        Assert.Empty(recorder.Of("bad"));
        Assert.Equal(1, Volatile.Read(ref badCalls));

        var dead = await Runtimes.ReadAllAsync(engine, Dlq);
        Assert.Equal(published.Where((_, i) => i % 2 == 0).Select(p => p.Id), dead.Select(d => d.Id));
        Assert.Equal(
            new[] { ShoalHeaders.Reasons.HandlerFailed, ShoalHeaders.Reasons.Parked, ShoalHeaders.Reasons.Parked },
            dead.Select(d => d.Headers![ShoalHeaders.DeadLetterReason]));
        Assert.Equal(new[] { "1", "0", "0" }, dead.Select(d => d.Headers![ShoalHeaders.Attempts]));

        var parked = await engine.Coordination.GetAsync(CoordinationKeys.Parked(Topic, "g", 0, "bad"));
        Assert.NotNull(parked);
        using (var record = JsonDocument.Parse(parked.Value.Value))
        {
            Assert.Equal("bad", record.RootElement.GetProperty("key").GetString());
            Assert.Equal(published[0].Id, record.RootElement.GetProperty("eventId").GetString());
            Assert.Equal(published[0].Offset, record.RootElement.GetProperty("offset").GetInt64());
        }

        Assert.True(await shoal.ReleaseParkedKeyAsync("g", "bad"));
        Assert.Null(await engine.Coordination.GetAsync(CoordinationKeys.Parked(Topic, "g", 0, "bad")));
        Assert.False(await shoal.ReleaseParkedKeyAsync("g", "bad"));
        await shoal.Publisher.PublishAsync(Topic, "bad", new Numbered("bad", 3));
        await Wait.UntilAsync(() => recorder.Of("bad").Count == 1, "the released key flows again");
        Assert.Equal(new[] { 3 }, recorder.Of("bad"));

        await shoal.StopAsync();
        Assert.Equal(7, await Runtimes.CommittedAsync(engine, Topic, "g", 0));
        Assert.Equal(3, await Runtimes.CountAsync(engine, Dlq));
    }

    [Fact]
    public async Task A_parked_key_stays_parked_across_a_restart()
    {
        await using var engine = Runtimes.Engine();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
            e.Sequence == 0 ? throw new InvalidOperationException("poison") : ValueTask.CompletedTask);
        await using (var first = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), handler)))
        {
            await first.StartAsync();
            await first.Publisher.PublishAsync(Topic, "bad", new Numbered("bad", 0));
            await Wait.UntilAsync(() => first.GetProgress("g")[0].Processed == 1, "poison event dead-lettered");
        }

        var recorder = new Recorder();
        var recording = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var second = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), recording) with { RandomSeed = 43 });
        await second.StartAsync();
        Assert.False((await second.Publisher.PublishAsync(Topic, "bad", new Numbered("bad", 1))).Duplicate);
        Assert.False((await second.Publisher.PublishAsync(Topic, "good", new Numbered("good", 0))).Duplicate);
        await Wait.UntilAsync(() => second.GetProgress("g")[0].Processed == 3, "both new events processed");
        Assert.Empty(recorder.Of("bad"));
        Assert.Equal(new[] { 0 }, recorder.Of("good"));
        var dead = await Runtimes.ReadAllAsync(engine, Dlq);
        Assert.Equal(ShoalHeaders.Reasons.Parked, dead[^1].Headers![ShoalHeaders.DeadLetterReason]);
    }

    [Fact]
    public async Task Skip_dead_letters_the_poison_event_and_handles_later_events_of_the_key()
    {
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            if (e.Key == "bad" && e.Sequence == 0)
            {
                throw new InvalidOperationException("poison");
            }

            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(policy: PoisonKeyPolicy.Skip), handler));
        await shoal.StartAsync();
        for (var s = 0; s < 3; s++)
        {
            await shoal.Publisher.PublishAsync(Topic, "bad", new Numbered("bad", s));
            await shoal.Publisher.PublishAsync(Topic, "good", new Numbered("good", s));
        }

        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == 6, "every event processed");
        Assert.Equal(new[] { 1, 2 }, recorder.Of("bad"));
        Assert.Equal(new[] { 0, 1, 2 }, recorder.Of("good"));
        var dead = Assert.Single(await Runtimes.ReadAllAsync(engine, Dlq));
        Assert.Equal(ShoalHeaders.Reasons.HandlerFailed, dead.Headers![ShoalHeaders.DeadLetterReason]);
        Assert.Empty(await engine.Coordination.ListAsync(CoordinationKeys.ParkedPrefix(Topic, "g", 0)));
    }

    [Fact]
    public async Task A_handler_timeout_is_a_failed_attempt_and_ends_in_the_dead_letter_topic_as_a_timeout()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var slowAttempts = new ConcurrentQueue<int>();
        var cancelled = 0;
        var retry = new RetryOptions { MaxAttempts = 2, InitialBackoff = TimeSpan.FromSeconds(1), Jitter = 0 };
        var handler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            if (e.Key == "slow")
            {
                slowAttempts.Enqueue(ctx.Attempt);
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                    throw;
                }
            }

            recorder.Record(e);
        });
        var group = Group(retry) with { HandlerTimeout = TimeSpan.FromSeconds(5) };
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, group, handler) with { TimeProvider = clock });
        await shoal.StartAsync();
        await shoal.Publisher.PublishAsync(Topic, "slow", new Numbered("slow", 0));
        await shoal.Publisher.PublishAsync(Topic, "fast", new Numbered("fast", 0));

        // Other keys do not wait behind the stuck handler.
        await Wait.UntilAsync(() => recorder.Of("fast").Count == 1, "the other key is handled");
        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(5), "the handler timeout is armed");
        clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Equal(0, Volatile.Read(ref cancelled));
        clock.Advance(TimeSpan.FromTicks(1));

        await Wait.UntilAsync(() => Volatile.Read(ref cancelled) == 1, "the first attempt is cancelled at the timeout");
        await clock.RunUntilAsync(() => Runtimes.CountAsync(engine, Dlq).Result == 1, "dead-lettered after the second timeout");
        Assert.Equal(new[] { 1, 2 }, slowAttempts);
        Assert.Equal(2, Volatile.Read(ref cancelled));
        var dead = Assert.Single(await Runtimes.ReadAllAsync(engine, Dlq));
        Assert.Equal(ShoalHeaders.Reasons.HandlerFailed, dead.Headers![ShoalHeaders.DeadLetterReason]);
        Assert.Equal(typeof(TimeoutException).FullName, dead.Headers[ShoalHeaders.ErrorType]);
        Assert.Contains("did not finish within", dead.Headers[ShoalHeaders.ErrorMessage]);
        Assert.Equal("2", dead.Headers[ShoalHeaders.Attempts]);
        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == 2, "the watermark passes both events");
    }

    [Fact]
    public async Task A_malformed_payload_is_dead_lettered_once_without_calling_the_handler()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var calls = 0;
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            Interlocked.Increment(ref calls);
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        var retry = new RetryOptions { MaxAttempts = 5, InitialBackoff = TimeSpan.FromSeconds(1) };
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 2, Group(retry), handler) with { TimeProvider = clock });
        await shoal.StartAsync();

        var partition = KeyHasher.PartitionFor("broken", 2);
        var raw = new EventEnvelope("raw-1", Topic, "broken", "numbered", Encoding.UTF8.GetBytes("{not json")) { Timestamp = clock.GetUtcNow() };
        var appended = new AppendedEvent[1];
        await engine.Log.AppendAsync(Topic, partition, new[] { raw }, appended);
        for (var k = 0; k < 10; k++)
        {
            await shoal.Publisher.PublishAsync(Topic, $"key-{k}", new Numbered($"key-{k}", 0));
        }

        await Wait.UntilAsync(() => recorder.Count == 10, "every other key is handled");
        await Wait.UntilAsync(async () => await Runtimes.CountAsync(engine, Dlq) == 1, "the malformed event is dead-lettered");
        var dead = Assert.Single(await Runtimes.ReadAllAsync(engine, Dlq));
        Assert.Equal("raw-1", dead.Id);
        Assert.Equal(ShoalHeaders.Reasons.MalformedPayload, dead.Headers![ShoalHeaders.DeadLetterReason]);
        Assert.Equal(typeof(EventSerializationException).FullName, dead.Headers[ShoalHeaders.ErrorType]);
        Assert.Equal("1", dead.Headers[ShoalHeaders.Attempts]);
        Assert.Equal(appended[0].Offset.ToString(), dead.Headers[ShoalHeaders.OriginalOffset]);
        Assert.Equal("{not json", Encoding.UTF8.GetString(dead.Payload.Span));

        // Not retried: no backoff is pending, and the handler never saw it.
        Assert.Empty(clock.PendingOneShots());
        Assert.Equal(10, Volatile.Read(ref calls));
        await Wait.UntilAsync(
            () => shoal.GetProgress("g").Sum(p => p.Processed) == 11,
            "the watermark passes the malformed event");
    }

    [Fact]
    public async Task An_event_whose_key_hashes_to_another_partition_is_dead_lettered_as_wrong_partition_without_parking_the_key()
    {
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        long counted = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Shoal" && instrument.Name == "shoal.events.wrong_partition")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tags.ToArray().Any(t => t.Key == "shoal.topic" && (string?)t.Value == Topic))
            {
                Interlocked.Add(ref counted, value);
            }
        });
        listener.Start();
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 4, Group(policy: PoisonKeyPolicy.Park), handler));
        await shoal.StartAsync();
        const string key = "k-1";
        var wrong = (KeyHasher.PartitionFor(key, 4) + 1) % 4;
        var neighbour = Enumerable.Range(0, 100).Select(i => $"n-{i}").First(k => KeyHasher.PartitionFor(k, 4) == wrong);

        // A foreign producer that hashed the key wrong: straight to another partition through the engine SPI.
        var misrouted = new EventEnvelope("misrouted-1", Topic, key, "numbered", Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","sequence":0}"""));
        var appended = new AppendedEvent[1];
        await engine.Log.AppendAsync(Topic, wrong, new[] { misrouted }, appended);
        await shoal.Publisher.PublishAsync(Topic, key, new Numbered(key, 1));
        await shoal.Publisher.PublishAsync(Topic, neighbour, new Numbered(neighbour, 1));

        await Wait.UntilAsync(async () => await Runtimes.CountAsync(engine, Dlq) == 1, "the misrouted event is dead-lettered");
        await Wait.UntilAsync(() => shoal.GetProgress("g").Single(p => p.Partition == wrong).Processed == 2, "the watermark passes the misrouted event");
        await Wait.UntilAsync(() => recorder.Count == 2, "the key's own event and the neighbour are handled");
        Assert.Equal(new[] { 1 }, recorder.Of(key));
        Assert.Equal(new[] { 1 }, recorder.Of(neighbour));
        var dead = Assert.Single(await Runtimes.ReadAllAsync(engine, Dlq));
        Assert.Equal("misrouted-1", dead.Id);
        Assert.Equal(ShoalHeaders.Reasons.WrongPartition, dead.Headers![ShoalHeaders.DeadLetterReason]);
        Assert.Equal(wrong.ToString(System.Globalization.CultureInfo.InvariantCulture), dead.Headers[ShoalHeaders.OriginalPartition]);
        Assert.Contains($"partition {KeyHasher.PartitionFor(key, 4)}", dead.Headers[ShoalHeaders.ErrorMessage]);
        Assert.Empty(await engine.Coordination.ListAsync(CoordinationKeys.ParkedPrefix(Topic, "g", wrong)));
        Assert.Empty(await engine.Coordination.ListAsync(CoordinationKeys.ParkedPrefix(Topic, "g", KeyHasher.PartitionFor(key, 4))));
        Assert.Equal(1, Interlocked.Read(ref counted));
    }

    [Fact]
    public async Task An_unknown_event_type_is_dead_lettered_and_under_skip_later_events_of_its_key_flow()
    {
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(policy: PoisonKeyPolicy.Skip), handler));
        await shoal.StartAsync();
        var raw = new EventEnvelope("mystery-1", Topic, "k", "mystery", Encoding.UTF8.GetBytes("{\"a\":1}"));
        await engine.Log.AppendAsync(Topic, 0, new[] { raw }, new AppendedEvent[1]);
        await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 1));

        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == 2, "both events processed");
        Assert.Equal(new[] { 1 }, recorder.Of("k"));
        var dead = Assert.Single(await Runtimes.ReadAllAsync(engine, Dlq));
        Assert.Equal("mystery-1", dead.Id);
        Assert.Equal(ShoalHeaders.Reasons.UnknownType, dead.Headers![ShoalHeaders.DeadLetterReason]);
        Assert.Equal(typeof(UnknownEventTypeException).FullName, dead.Headers[ShoalHeaders.ErrorType]);
        Assert.Contains("mystery", dead.Headers[ShoalHeaders.ErrorMessage]);
    }

    [Fact]
    public async Task An_unknown_event_type_parks_its_key_under_park_and_other_keys_flow()
    {
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), handler));
        await shoal.StartAsync();
        var raw = new EventEnvelope("mystery-1", Topic, "k", "mystery", Encoding.UTF8.GetBytes("{\"a\":1}"));
        await engine.Log.AppendAsync(Topic, 0, new[] { raw }, new AppendedEvent[1]);
        await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 1));
        await shoal.Publisher.PublishAsync(Topic, "other", new Numbered("other", 1));

        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == 3, "all three events processed");
        Assert.Empty(recorder.Of("k"));
        Assert.Equal(new[] { 1 }, recorder.Of("other"));
        var dead = await Runtimes.ReadAllAsync(engine, Dlq);
        Assert.Equal(
            [ShoalHeaders.Reasons.UnknownType, ShoalHeaders.Reasons.Parked],
            dead.Select(d => d.Headers![ShoalHeaders.DeadLetterReason]));
    }

    [Fact]
    public async Task A_registered_type_without_a_handler_in_the_group_is_ignored_and_its_offset_committed()
    {
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        var options = Runtimes.Options(Topic, 1, Group(), handler) with
        {
            EventTypes = new EventTypeRegistry().Add<Numbered>("numbered").Add<Unhandled>("unhandled"),
        };
        await using var shoal = ShoalRuntime.Create(engine, options);
        await shoal.StartAsync();
        await shoal.Publisher.PublishAsync(Topic, "k", new Unhandled("x"));
        await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 0));
        await shoal.Publisher.PublishAsync(Topic, "k", new Unhandled("y"));

        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == 3, "every event processed");
        await shoal.StopAsync();
        Assert.Equal(new[] { 0 }, recorder.Of("k"));
        Assert.Equal(0, await Runtimes.CountAsync(engine, Dlq));
        Assert.Equal(3, await Runtimes.CommittedAsync(engine, Topic, "g", 0));
    }
}

public sealed record Unhandled(string Text);
