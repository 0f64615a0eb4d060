using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Hosting;
using Shoal.Tests.Cluster;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Hosting;

/// <summary>
/// Two generic hosts join one group's cluster with AddShoal(...).JoinCluster(...). The hosts take their time from a
/// fake clock registered in their containers, moved in <see cref="ClusterHarness"/>'s lockstep.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class HostedClusterTests
{
    private static readonly ClusterOptions Cluster = new() { HeartbeatInterval = TimeSpan.FromMilliseconds(50), SessionTtl = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task Two_hosts_share_the_partitions_and_a_stopped_host_hands_its_share_over()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine(clock);
        var probe = new Probe();
        using var a = Build(engine, clock, probe, "host-a");
        using var b = Build(engine, clock, probe, "host-b");
        await a.StartAsync();
        await b.StartAsync();
        var rt = a.Services.GetRequiredService<ShoalRuntime>();
        var rtB = b.Services.GetRequiredService<ShoalRuntime>();
        List<ClusterMember> running = [Member(a), Member(b)];
        async Task RunUntilAsync(Func<bool> condition, string what)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, $"timed out (10 s of real time) waiting for: {what}");
                clock.Advance(Cluster.HeartbeatInterval);
                await ClusterHarness.CaughtUpAsync(engine, clock, Cluster, running);
            }
        }

        await RunUntilAsync(() => rt.GetGroup("billing").Partitions.Count == 4 && rtB.GetGroup("billing").Partitions.Count == 4, "4 partitions each");

        var publisher = a.Services.GetRequiredService<IEventPublisher>();
        for (var i = 0; i < 200; i++)
        {
            await publisher.PublishAsync("orders", $"k{i % 20}", new OrderPlaced($"k{i % 20}", i / 20));
        }

        await RunUntilAsync(() => probe.Handled.Count >= 200, "all handled");
        running.RemoveAt(1);
        var stopping = clock.GetUtcNow();
        await b.StopAsync(); // graceful: hands its partitions over at once
        await RunUntilAsync(() => rt.GetGroup("billing").Partitions.Count == 8, "host-a took every partition");
        var handOver = clock.GetUtcNow() - stopping;
        Assert.True(handOver <= 2 * Cluster.HeartbeatInterval, $"the graceful stop handed over after {handOver.TotalMilliseconds} ms of virtual time, not at once (TTL {Cluster.SessionTtl.TotalMilliseconds} ms)");
        for (var i = 200; i < 300; i++)
        {
            await publisher.PublishAsync("orders", $"k{i % 20}", new OrderPlaced($"k{i % 20}", i / 20));
        }

        await RunUntilAsync(() => probe.Handled.Count >= 300, "the rest handled by host-a");
        await a.StopAsync();

        Assert.Equal(300, probe.Handled.Count); // each event once: hand-overs drain and commit
        foreach (var key in probe.Handled.GroupBy(h => h.Event.Key))
        {
            Assert.Equal(Enumerable.Range(0, 15), key.Select(h => h.Event.Sequence));
        }
    }

    [Fact]
    public void Joining_the_cluster_of_a_group_that_is_not_added_fails_at_start_naming_the_call()
    {
        var services = new ServiceCollection();
        services.AddShoal(s => s
            .AddTopic("orders", 8)
            .AddEventType<OrderPlaced>()
            .JoinCluster("billing", new ClusterMemberOptions { MemberId = "m" }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<ShoalConfigurationException>(() => provider.GetRequiredService<ShoalRuntime>());

        Assert.Equal("ShoalBuilder.JoinCluster", error.Field);
    }

    [Fact]
    public void Joining_one_group_twice_is_refused_naming_the_call()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ShoalConfigurationException>(() => services.AddShoal(s => s
            .JoinCluster("billing", new ClusterMemberOptions { MemberId = "m" })
            .JoinCluster("billing", new ClusterMemberOptions { MemberId = "n" })));

        Assert.Equal("ShoalBuilder.JoinCluster", error.Field);
        Assert.Contains("'billing' already joins", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_with_assigned_partitions_and_no_cluster_member_is_refused_at_start()
    {
        // Nothing would ever give such a group a partition: it would consume nothing, silently.
        var services = new ServiceCollection();
        services.AddShoal(s => s
            .AddTopic("orders", 8)
            .AddEventType<OrderPlaced>()
            .AddGroup(new GroupOptions { Name = "billing", Topic = "orders", PartitionOwnership = PartitionOwnership.Assigned })
            .AddHandler<OrderPlaced, OrderingHandler>("billing", ServiceLifetime.Singleton));
        services.AddSingleton(new Probe());
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<ShoalConfigurationException>(() => provider.GetRequiredService<ShoalRuntime>());

        Assert.Contains("group 'billing' uses PartitionOwnership.Assigned", error.Message, StringComparison.Ordinal);
    }

    private static ClusterMember Member(IHost host) => host.Services.GetRequiredService<ShoalNode>().GetMember("billing");

    private static IHost Build(IShoalEngine engine, TimeProvider clock, Probe probe, string member)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(probe);
        builder.Services.AddSingleton(clock);
        builder.Services.AddShoal(s => s
            .UseEngine(_ => new SharedEngine(engine))
            .AddTopic("orders", 8)
            .AddEventType<OrderPlaced>()
            .AddGroup(new GroupOptions { Name = "billing", Topic = "orders", CommitInterval = TimeSpan.FromMilliseconds(50) })
            .AddHandler<OrderPlaced, OrderingHandler>("billing", ServiceLifetime.Singleton)
            .JoinCluster("billing", new ClusterMemberOptions
            {
                MemberId = member,
                Cluster = Cluster,
            }));
        return builder.Build();
    }

    /// <summary>Both hosts use one engine; neither container may dispose it (the test does).</summary>
#pragma warning disable CA2215 // not disposing the shared inner engine is the point
    private sealed class SharedEngine(IShoalEngine inner) : ForwardingEngine(inner)
    {
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
#pragma warning restore CA2215

    private sealed class OrderingHandler(Probe probe) : IEventHandler<OrderPlaced>
    {
        public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
        {
            probe.Record(@event, Guid.Empty);
            return ValueTask.CompletedTask;
        }
    }
}
