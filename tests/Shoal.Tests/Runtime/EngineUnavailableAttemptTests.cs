using System.Collections.Concurrent;
using Shoal.Engine;
using Xunit;

namespace Shoal.Tests.Runtime;

/// <summary>An attempt that fails because the engine is unreachable is not the handler's failure.</summary>
public sealed class EngineUnavailableAttemptTests
{
    private const string Topic = "orders";
    private const string Out = "shipments";

    [Fact]
    public async Task An_event_whose_attempts_hit_engine_unavailability_is_never_dead_lettered_and_keeps_its_attempts()
    {
        await using var inner = Runtimes.Engine();
        var engine = new UnreachableAppends(inner, Out);
        var attempts = new ConcurrentQueue<(string Key, int Attempt)>();
        var handled = new ConcurrentQueue<string>();
        ShoalRuntime? runtime = null;
        var handler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            attempts.Enqueue((e.Key, ctx.Attempt));
            await runtime!.Publisher.PublishAsync(Out, e.Key, e, ct); // the handler's own effect goes through the engine
            handled.Enqueue(e.Key);
        });
        var group = new GroupOptions
        {
            Name = "g",
            Topic = Topic,
            Retry = new RetryOptions { MaxAttempts = 2, InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(1) },
        };
        var options = Runtimes.Options(Topic, 1, group, handler);
        options = options with { Topics = [.. options.Topics, new TopicOptions { Name = Out, Partitions = 1 }] };
        await using var shoal = runtime = ShoalRuntime.Create(engine, options);
        await shoal.StartAsync();

        engine.Down = true;
        await shoal.Publisher.PublishAsync(Topic, "a", new Numbered("a", 0));
        await Wait.UntilAsync(() => engine.Refused >= 2, "the first event's attempt met the unreachable engine twice");

        // Another key's event arrives while the partition waits for the engine: it waits too, without trying.
        await shoal.Publisher.PublishAsync(Topic, "b", new Numbered("b", 0));
        await Wait.UntilAsync(
            () => engine.Refused >= 4 || shoal.GetGroup("g").Counts.Failed >= group.Retry.MaxAttempts,
            "more engine refusals than the handler has attempts (or its attempts used up)");
        Assert.Equal(0, await DeadLettersAsync(inner));
        Assert.Equal(0, shoal.GetGroup("g").Counts.Failed);
        Assert.DoesNotContain(attempts, a => a.Key == "b");

        engine.Down = false;
        await Wait.UntilAsync(() => handled.Count == 2, "both events handled once the engine is back");
        Assert.Equal(["a", "b"], handled);
        Assert.All(attempts, a => Assert.Equal(1, a.Attempt)); // never attempt 2: the engine's failures used up nothing
        Assert.Equal(0, await DeadLettersAsync(inner));
        Assert.Equal((2L, 0L), shoal.GetGroup("g").Counts);
    }

    private static async Task<long> DeadLettersAsync(IShoalEngine engine) => (await engine.Log.GetOffsetsAsync("orders.g.dlq", 0)).End;

    /// <summary>While <see cref="Down"/>, appends to <c>topic</c> fail as an unreachable engine's do: transient.</summary>
    private sealed class UnreachableAppends(IShoalEngine inner, string refusedTopic) : ForwardingEngine(inner)
    {
        private int _refused;

        public volatile bool Down;

        public int Refused => Volatile.Read(ref _refused);

        public override ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default)
        {
            if (Down && topic == refusedTopic)
            {
                Interlocked.Increment(ref _refused);
                throw new EngineException("simulated: no server answered", isTransient: true);
            }

            return base.AppendAsync(topic, partition, events, results, cancellationToken);
        }
    }
}
