using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shoal.Engine;
using Shoal.Hosting;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Hosting;

public sealed class HostingTests
{
    private static readonly GroupOptions Billing = new() { Name = "billing", Topic = "orders", DrainTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task A_scoped_handler_handles_published_events_each_in_a_fresh_scope()
    {
        var host = TestHosts.Build(shoal => shoal
            .AddTopic("orders", partitions: 4)
            .AddEventType<OrderPlaced>("order-placed")
            .AddGroup(Billing)
            .AddHandler<OrderPlaced, RecordingHandler>("billing"));
        try
        {
            await host.StartAsync();
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            const int count = 60;
            for (var i = 0; i < count; i++)
            {
                await publisher.PublishAsync("orders", $"key-{i % 6}", new OrderPlaced($"key-{i % 6}", i / 6));
            }

            var probe = host.Services.GetRequiredService<Probe>();
            await Wait.UntilAsync(() => probe.Handled.Count >= count, "every event handled");
            await Wait.UntilAsync(() => probe.ScopesDisposed.Values.Count(d => d) >= count, "every scope disposed");
            await host.StopAsync();

            var handled = probe.Handled.ToList();
            Assert.Equal(count, handled.Count);
            Assert.Equal(count, handled.Select(h => h.Scope).Distinct().Count());
            Assert.Equal(count, probe.Constructed);
            Assert.All(probe.ScopesDisposed.Values, Assert.True);
            for (var k = 0; k < 6; k++)
            {
                Assert.Equal(Enumerable.Range(0, count / 6), handled.Where(h => h.Event.Key == $"key-{k}").Select(h => h.Event.Sequence));
            }
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task A_singleton_handler_is_resolved_once()
    {
        var host = TestHosts.Build(shoal => shoal
            .AddTopic("orders", partitions: 2)
            .AddEventType<OrderPlaced>()
            .AddGroup(Billing)
            .AddHandler<OrderPlaced, SingletonHandler>("billing", ServiceLifetime.Singleton));
        try
        {
            await host.StartAsync();
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            for (var i = 0; i < 20; i++)
            {
                await publisher.PublishAsync("orders", $"key-{i % 3}", new OrderPlaced($"key-{i % 3}", i));
            }

            var probe = host.Services.GetRequiredService<Probe>();
            await Wait.UntilAsync(() => probe.Handled.Count >= 20, "every event handled");
            await host.StopAsync();
            Assert.Equal(1, probe.Constructed);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task Host_stop_lets_the_handler_in_progress_finish_and_commits_its_offset()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new List<(int Sequence, bool Cancelled)>();
        var logs = new CapturingLoggerProvider();
        var host = TestHosts.Build(
            shoal => shoal
                .AddTopic("orders", partitions: 1)
                .AddEventType<OrderPlaced>()
                .AddGroup(Billing)
                .AddHandler<OrderPlaced, GatedHandler>("billing"),
            services => services.AddSingleton(new GatedHandler.Gates(started, gate, finished)),
            logs);
        try
        {
            await host.StartAsync();
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            await publisher.PublishBatchAsync("orders", [.. Enumerable.Range(0, 5).Select(i => new OutgoingEvent<OrderPlaced>("k", new OrderPlaced("k", i)))]);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

            var stop = host.StopAsync();
            await Wait.UntilAsync(() => logs.Entries.Any(e => e.EventId == 3002), "Shoal began stopping");
            Assert.False(stop.IsCompleted, "the stop must wait for the handler in progress");
            gate.SetResult();
            await stop.WaitAsync(TimeSpan.FromSeconds(10));

            lock (finished)
            {
                // k#1..k#4 were fetched behind k#0 but had not started: they stay for the next start.
                Assert.Equal([(0, false)], finished);
            }

            var engine = host.Services.GetRequiredService<IShoalEngine>();
            var entry = await engine.Coordination.GetAsync(CoordinationKeys.Offset("orders", "billing", 0));
            Assert.NotNull(entry);
            Assert.True(CommittedOffset.TryDecode(entry.Value.Value.Span, out var committed));
            Assert.Equal(1, committed.Offset);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task Invalid_group_options_make_host_start_throw_naming_the_field()
    {
        var host = TestHosts.Build(shoal => shoal
            .AddTopic("orders")
            .AddEventType<OrderPlaced>()
            .AddGroup(Billing with { MaxConcurrency = 0 })
            .AddHandler<OrderPlaced, RecordingHandler>("billing"));
        try
        {
            var ex = await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            TestHosts.AssertNamesField(ex, "GroupOptions.MaxConcurrency");
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task Invalid_options_surface_unwrapped_even_when_a_hosted_service_injects_the_publisher()
    {
        var host = TestHosts.Build(
            shoal => shoal
                .AddTopic("orders", partitions: 0)
                .AddEventType<OrderPlaced>()
                .AddGroup(Billing)
                .AddHandler<OrderPlaced, RecordingHandler>("billing"),
            services => services.AddHostedService<PublisherUser>());
        try
        {
            var ex = await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            TestHosts.AssertNamesField(ex, "TopicOptions.Partitions");
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task A_handler_for_an_unregistered_event_type_fails_at_start_with_a_clear_message()
    {
        var host = TestHosts.Build(shoal => shoal
            .AddTopic("orders")
            .AddEventType<OrderPlaced>()
            .AddGroup(Billing)
            .AddHandler<NotRegistered, NotRegisteredHandler>("billing"));
        try
        {
            var ex = await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            Assert.Contains(typeof(NotRegistered).FullName!, ex.Message, StringComparison.Ordinal);
            Assert.Contains("AddEventType<NotRegistered>()", ex.Message, StringComparison.Ordinal);
            Assert.Contains("'billing'", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task A_handler_added_to_a_group_that_was_not_added_fails_at_start()
    {
        var host = TestHosts.Build(shoal => shoal
            .AddTopic("orders")
            .AddEventType<OrderPlaced>()
            .AddGroup(Billing)
            .AddHandler<OrderPlaced, RecordingHandler>("shipping"));
        try
        {
            var ex = await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            Assert.Contains("'shipping'", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task A_host_with_default_settings_starts_without_the_drain_timeout_warning()
    {
        // Found trying Shoal as a newcomer: with both defaults (drain 30 s, host shutdown 30 s) every host logged 3004.
        var logs = new CapturingLoggerProvider();
        var host = TestHosts.Build(
            shoal => shoal
                .AddTopic("orders", partitions: 1)
                .AddEventType<OrderPlaced>()
                .AddGroup(new GroupOptions { Name = "billing", Topic = "orders" })
                .AddHandler<OrderPlaced, RecordingHandler>("billing"),
            logs: logs);
        try
        {
            await host.StartAsync();
            await host.StopAsync();
            Assert.DoesNotContain(logs.Entries, e => e.EventId == 3004);
            Assert.Contains(logs.Entries, e => e.EventId == 3001); // the start was logged, so the warning had its chance
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task A_drain_timeout_that_does_not_fit_the_shutdown_timeout_is_warned_about_at_start()
    {
        var logs = new CapturingLoggerProvider();
        var host = TestHosts.Build(
            shoal => shoal
                .AddTopic("orders", partitions: 1)
                .AddEventType<OrderPlaced>()
                .AddGroup(Billing with { DrainTimeout = TimeSpan.FromSeconds(40) })
                .AddHandler<OrderPlaced, RecordingHandler>("billing"),
            services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20)),
            logs);
        try
        {
            await host.StartAsync();
            await host.StopAsync();
            var warning = Assert.Single(logs.Entries, e => e.EventId == 3004);
            Assert.Contains("GroupOptions.DrainTimeout", warning.Message, StringComparison.Ordinal);
            Assert.Contains("HostOptions.ShutdownTimeout", warning.Message, StringComparison.Ordinal);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }
}

/// <summary>Signals when it starts the first event, then waits for the test to open the gate.</summary>
internal sealed class GatedHandler(GatedHandler.Gates gates) : IEventHandler<OrderPlaced>
{
    public async ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        gates.Started.TrySetResult();
        await gates.Gate.Task;
        lock (gates.Finished)
        {
            gates.Finished.Add((@event.Sequence, cancellationToken.IsCancellationRequested));
        }
    }

    internal sealed record Gates(TaskCompletionSource Started, TaskCompletionSource Gate, List<(int Sequence, bool Cancelled)> Finished);
}
