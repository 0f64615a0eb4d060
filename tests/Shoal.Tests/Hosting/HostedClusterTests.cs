using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Hosting;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Hosting;

/// <summary>Two generic hosts join one group's cluster with AddShoal(...).JoinCluster(...).</summary>
[Trait("Category", "Cluster")]
[Collection(Shoal.Tests.Cluster.ClusterHarness.Collection)]
public sealed class HostedClusterTests
{
    [Fact]
    public async Task Two_hosts_share_the_partitions_and_a_stopped_host_hands_its_share_over()
    {
        await using var engine = Runtimes.Engine();
        var probe = new Probe();
        using var a = Build(engine, probe, "host-a");
        using var b = Build(engine, probe, "host-b");
        await a.StartAsync();
        await b.StartAsync();
        var rt = a.Services.GetRequiredService<ShoalRuntime>();
        var rtB = b.Services.GetRequiredService<ShoalRuntime>();
        await Wait.UntilAsync(() => rt.GetGroup("billing").Partitions.Count == 4 && rtB.GetGroup("billing").Partitions.Count == 4, "4 partitions each");

        var publisher = a.Services.GetRequiredService<IEventPublisher>();
        for (var i = 0; i < 200; i++)
        {
            await publisher.PublishAsync("orders", $"k{i % 20}", new OrderPlaced($"k{i % 20}", i / 20));
        }

        await Wait.UntilAsync(() => probe.Handled.Count >= 200, "all handled");
        await b.StopAsync(); // graceful: hands its partitions over at once
        await Wait.UntilAsync(() => rt.GetGroup("billing").Partitions.Count == 8, "host-a took every partition");
        for (var i = 200; i < 300; i++)
        {
            await publisher.PublishAsync("orders", $"k{i % 20}", new OrderPlaced($"k{i % 20}", i / 20));
        }

        await Wait.UntilAsync(() => probe.Handled.Count >= 300, "the rest handled by host-a");
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

    private static IHost Build(IShoalEngine engine, Probe probe, string member)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(probe);
        builder.Services.AddShoal(s => s
            .UseEngine(_ => new SharedEngine(engine))
            .AddTopic("orders", 8)
            .AddEventType<OrderPlaced>()
            .AddGroup(new GroupOptions { Name = "billing", Topic = "orders", CommitInterval = TimeSpan.FromMilliseconds(50) })
            .AddHandler<OrderPlaced, OrderingHandler>("billing", ServiceLifetime.Singleton)
            .JoinCluster("billing", new ClusterMemberOptions
            {
                MemberId = member,
                Cluster = new ClusterOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(50), SessionTtl = TimeSpan.FromSeconds(1) },
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
