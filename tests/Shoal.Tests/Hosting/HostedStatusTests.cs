using Microsoft.Extensions.DependencyInjection;
using Shoal.Cluster;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Hosting;

/// <summary>The groups' read model is a service of the host AddShoal builds, reading the node's engine.</summary>
public sealed class HostedStatusTests
{
    [Fact]
    public async Task The_status_reader_resolved_from_the_host_reads_a_groups_committed_offsets()
    {
        var host = TestHosts.Build(shoal => shoal
            .AddTopic("orders", partitions: 4)
            .AddEventType<OrderPlaced>()
            .AddGroup(new GroupOptions { Name = "billing", Topic = "orders" })
            .AddHandler<OrderPlaced, RecordingHandler>("billing"));
        try
        {
            await host.StartAsync();
            var status = host.Services.GetRequiredService<ClusterStatusReader>();
            Assert.Null(await status.ReadGroupAsync("shipping")); // a group the engine knows nothing of

            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            for (var i = 0; i < 20; i++)
            {
                await publisher.PublishAsync("orders", $"key-{i % 5}", new OrderPlaced($"key-{i % 5}", i / 5));
            }

            var probe = host.Services.GetRequiredService<Probe>();
            await Wait.UntilAsync(() => probe.Handled.Count >= 20, "every event handled");
            var runtime = host.Services.GetRequiredService<ShoalRuntime>();
            GroupStatus? billing = null;
            await Wait.UntilAsync(async () =>
            {
                await runtime.CommitAsync(); // a handler call returns after it recorded the event: commit until all 20 are in
                billing = await status.ReadGroupAsync("billing");
                return billing?.Topics.Sum(t => t.Partitions.Sum(p => p.Committed ?? 0)) == 20;
            }, "the reader sees 20 committed events");

            Assert.NotNull(billing);
            var orders = Assert.Single(billing.Topics);
            Assert.Equal("orders", orders.Topic);
            Assert.Equal(4, orders.Partitions.Count);
            Assert.Equal(20, orders.Partitions.Sum(p => p.End));
            Assert.Equal(20, orders.Partitions.Sum(p => p.Committed ?? 0));
            Assert.All(orders.Partitions, p => Assert.Equal(0, p.Lag));
            Assert.Equal(["billing"], await status.ListGroupsAsync());
            await host.StopAsync();
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }
}
