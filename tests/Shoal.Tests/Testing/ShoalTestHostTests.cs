using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shoal.Hosting;
using Shoal.Testing;
using Xunit;

namespace Shoal.Tests.Testing;

/// <summary>The test kit users get in the Shoal.Testing package, on the real runtime and the in-process engine.</summary>
public sealed class ShoalTestHostTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Waiting_for_idle_returns_once_every_event_is_handled_and_lists_each_with_key_type_and_payload()
    {
        var calls = new Calls();
        await using var shoal = await ShoalTestHost.StartAsync(Billing<CountingHandler>(calls));
        var published = new List<Charge>();
        for (var i = 0; i < 40; i++)
        {
            var charge = new Charge($"c-{i}", i);
            published.Add(charge);
            await shoal.PublishAsync("charges", $"customer-{i % 5}", charge);
        }

        await shoal.WaitForIdleAsync("billing");

        Assert.Equal(40, calls.All.Count);
        var handled = shoal.Handled("billing");
        Assert.Equal(40, handled.Count);
        Assert.All(handled, h =>
        {
            var charge = Assert.IsType<Charge>(h.Event);
            Assert.Equal($"customer-{charge.Amount % 5}", h.Key);
            Assert.Equal("charge", h.Type);
            Assert.Equal("charges", h.Topic);
            Assert.Contains($"\"{charge.Id}\"", Encoding.UTF8.GetString(h.Payload.Span), StringComparison.Ordinal);
            Assert.Equal(1, h.Attempt);
            Assert.False(h.Redelivery);
        });
        Assert.Equal(published.OrderBy(c => c.Id), shoal.Handled<Charge>("billing").OrderBy(c => c.Id));
        foreach (var key in handled.GroupBy(h => h.Key))
        {
            Assert.Equal(key.Select(h => h.Offset).Order(), key.Select(h => h.Offset)); // one key in order
        }

        Assert.Empty(await shoal.GetDeadLettersAsync("billing"));
        Assert.Empty(await shoal.GetParkedKeysAsync("billing"));
    }

    [Fact]
    public async Task Waiting_for_idle_while_a_handler_blocks_times_out_naming_the_group_and_each_pending_event()
    {
        var calls = new Calls();
        await using var shoal = await ShoalTestHost.StartAsync(Billing<BlockingHandler>(calls), ShoalTestOptions.Default with { StopTimeout = TimeSpan.FromSeconds(1) });
        await shoal.PublishAsync("charges", "stuck", new Charge("c-1", 1));
        await shoal.PublishAsync("charges", "stuck", new Charge("c-2", 2));
        await shoal.PublishAsync("charges", "free", new Charge("c-3", 3));
        await calls.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => shoal.WaitForIdleAsync("billing", Short));

        Assert.Contains("Group 'billing' is not idle after 0.3 s: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("of topic 'charges' are not yet handled, dead-lettered or parked.", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"offset 0: key 'stuck', type 'charge', id '[^']+': handler running for \d+\.\d s \(attempt 1\)", error.Message);
        Assert.Matches(@"offset 1: key 'stuck', type 'charge', id '[^']+': not started", error.Message);
        Assert.Matches(@"partition \d+: offsets 0 to 1 \(everything below 0 is done\)", error.Message);
    }

    [Fact]
    public async Task Redelivering_every_event_once_calls_each_handler_twice_the_second_time_as_a_redelivery()
    {
        var calls = new Calls();
        await using var shoal = await ShoalTestHost.StartAsync(Billing<CountingHandler>(calls), ShoalTestOptions.Default with { RedeliverEveryEventOnce = true });
        for (var i = 0; i < 20; i++)
        {
            await shoal.PublishAsync("charges", $"customer-{i % 3}", new Charge($"c-{i}", i));
        }

        await shoal.WaitForIdleAsync();

        Assert.Equal(40, calls.All.Count);
        foreach (var byId in calls.All.GroupBy(c => c.Id))
        {
            var (first, second) = (byId.First(), byId.Last());
            Assert.Equal(2, byId.Count());
            Assert.Equal(first.Event, second.Event);
            Assert.NotSame(first.Event, second.Event); // deserialized again, as a redelivery would be
            Assert.Equal((1, 1), (first.Attempt, second.Attempt));
            Assert.Equal(first.Epoch + 1, second.Epoch);
        }

        var handled = shoal.Handled("billing");
        Assert.Equal(20, handled.Count(h => h.Redelivery));
        Assert.Equal(20, handled.Count(h => !h.Redelivery));
    }

    [Fact]
    public async Task A_redelivery_that_fails_is_retried_without_calling_the_handler_a_third_time_as_a_first_delivery()
    {
        var calls = new Calls();
        var options = new GroupOptions { Name = "billing", Topic = "charges", Retry = new RetryOptions { InitialBackoff = TimeSpan.Zero, Jitter = 0 } };
        await using var shoal = await ShoalTestHost.StartAsync(Billing<FailsItsFirstRedeliveryHandler>(calls, options), ShoalTestOptions.Default with { RedeliverEveryEventOnce = true });
        await shoal.PublishAsync("charges", "k", new Charge("c-1", 1));

        await shoal.WaitForIdleAsync();

        Assert.Equal(new[] { (1, 0L), (1, 1L), (2, 1L) }, calls.All.Select(c => (c.Attempt, c.Epoch)));
        Assert.Equal(new[] { false, true }, shoal.Handled("billing").Select(h => h.Redelivery));
    }

    [Fact]
    public async Task Dead_lettered_events_and_parked_keys_are_visible_and_a_released_key_is_no_longer_listed()
    {
        var calls = new Calls();
        var options = new GroupOptions { Name = "billing", Topic = "charges", Retry = new RetryOptions { MaxAttempts = 2, InitialBackoff = TimeSpan.Zero, Jitter = 0 } };
        await using var shoal = await ShoalTestHost.StartAsync(Billing<RejectsNegativeHandler>(calls, options));
        var poison = await shoal.PublishAsync("charges", "poison", new Charge("c-1", -5));
        await shoal.PublishAsync("charges", "poison", new Charge("c-2", 7));
        await shoal.PublishAsync("charges", "good", new Charge("c-3", 3));

        await shoal.WaitForIdleAsync("billing");

        Assert.Equal(new[] { "c-3" }, shoal.Handled<Charge>("billing").Select(c => c.Id));
        var dead = await shoal.GetDeadLettersAsync("billing");
        Assert.Equal(2, dead.Count);
        Assert.Equal(("poison", "handler-failed", 2, new Charge("c-1", -5)), (dead[0].Key, dead[0].Reason, dead[0].Attempts, dead[0].Event));
        Assert.Equal("a charge must not be negative: -5", dead[0].Error);
        Assert.Equal((poison.Partition, poison.Offset), (dead[0].Partition, dead[0].Offset));
        Assert.Equal(("poison", "parked", 0, new Charge("c-2", 7)), (dead[1].Key, dead[1].Reason, dead[1].Attempts, dead[1].Event));
        Assert.Null(dead[1].Error);

        var parked = Assert.Single(await shoal.GetParkedKeysAsync("billing"));
        Assert.Equal(new ParkedKey("billing", "poison", poison.Partition, poison.Id, poison.Offset), parked);

        Assert.True(await shoal.Runtime.ReleaseParkedKeyAsync("billing", "poison"));
        Assert.Empty(await shoal.GetParkedKeysAsync("billing"));
    }

    [Fact]
    public async Task On_a_fake_clock_a_retry_waits_for_the_clock_and_the_idle_wait_says_the_attempt_failed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var calls = new Calls();
        var options = new GroupOptions { Name = "billing", Topic = "charges", Retry = new RetryOptions { InitialBackoff = TimeSpan.FromMinutes(1), MaxBackoff = TimeSpan.FromMinutes(1), Jitter = 0 } };
        await using var shoal = await ShoalTestHost.StartAsync(Billing<FailsOnceHandler>(calls, options), ShoalTestOptions.Default with { TimeProvider = clock });
        await shoal.PublishAsync("charges", "k", new Charge("c-1", 1));
        await calls.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the first attempt failed

        var error = await Assert.ThrowsAsync<TimeoutException>(() => shoal.WaitForIdleAsync(timeout: Short));
        Assert.Matches(@"offset 0: key 'k', type 'charge', id '[^']+': attempt 1 failed \(not yet\); waiting to retry or to be dead-lettered", error.Message);
        Assert.Single(calls.All);

        clock.Advance(TimeSpan.FromMinutes(1));
        await shoal.WaitForIdleAsync();

        Assert.Equal(new[] { 1, 2 }, calls.All.Select(c => c.Attempt));
        Assert.Equal(2, Assert.Single(shoal.Handled("billing")).Attempt);
    }

    [Fact]
    public async Task A_group_the_node_does_not_run_is_named_with_the_groups_it_runs()
    {
        await using var shoal = await ShoalTestHost.StartAsync(Billing<CountingHandler>(new Calls()));

        var error = Assert.Throws<ShoalConfigurationException>(() => shoal.Handled("biling"));
        Assert.Equal("group: this node runs no group named 'biling'; its groups: 'billing'.", error.Message);
        await Assert.ThrowsAsync<ShoalConfigurationException>(() => shoal.WaitForIdleAsync("biling"));
    }

    private static Action<ShoalBuilder> Billing<THandler>(Calls calls, GroupOptions? group = null)
        where THandler : class, IEventHandler<Charge> => b =>
        {
            b.Services.AddSingleton(calls);
            b.AddTopic("charges", partitions: 4)
                .AddEventType<Charge>("charge")
                .AddGroup(group ?? new GroupOptions { Name = "billing", Topic = "charges" })
                .AddHandler<Charge, THandler>("billing");
        };

    public sealed record Charge(string Id, int Amount);

    public sealed record Call(string Id, Charge Event, int Attempt, long Epoch);

    public sealed class Calls
    {
        private readonly ConcurrentQueue<Call> _calls = new();

        public List<Call> All => [.. _calls];

        /// <summary>Set when a handler blocks (or, for one that fails once, when its first attempt failed).</summary>
        public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(Charge charge, EventContext context) => _calls.Enqueue(new Call(context.Id, charge, context.Attempt, context.Epoch));
    }

    private sealed class CountingHandler(Calls calls) : IEventHandler<Charge>
    {
        public ValueTask HandleAsync(Charge @event, EventContext context, CancellationToken cancellationToken)
        {
            calls.Add(@event, context);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class BlockingHandler(Calls calls) : IEventHandler<Charge>
    {
        public async ValueTask HandleAsync(Charge @event, EventContext context, CancellationToken cancellationToken)
        {
            calls.Add(@event, context);
            if (context.Key == "stuck")
            {
                calls.Blocked.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }

    private sealed class FailsItsFirstRedeliveryHandler(Calls calls) : IEventHandler<Charge>
    {
        public ValueTask HandleAsync(Charge @event, EventContext context, CancellationToken cancellationToken)
        {
            calls.Add(@event, context);
            return context.Epoch > 0 && context.Attempt == 1 ? throw new InvalidOperationException("redelivery fails once") : ValueTask.CompletedTask;
        }
    }

    private sealed class FailsOnceHandler(Calls calls) : IEventHandler<Charge>
    {
        public ValueTask HandleAsync(Charge @event, EventContext context, CancellationToken cancellationToken)
        {
            calls.Add(@event, context);
            if (context.Attempt == 1)
            {
                calls.Blocked.TrySetResult();
                throw new InvalidOperationException("not yet");
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class RejectsNegativeHandler(Calls calls) : IEventHandler<Charge>
    {
        public ValueTask HandleAsync(Charge @event, EventContext context, CancellationToken cancellationToken)
        {
            calls.Add(@event, context);
            return @event.Amount < 0 ? throw new InvalidOperationException($"a charge must not be negative: {@event.Amount}") : ValueTask.CompletedTask;
        }
    }
}
