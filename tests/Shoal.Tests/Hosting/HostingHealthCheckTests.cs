using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shoal.Cluster;
using Shoal.Hosting.Health;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Hosting;

/// <summary><c>AddShoalHealthChecks()</c>: live follows the node's life, ready needs the engine and the members' partitions.</summary>
public sealed class HostingHealthCheckTests
{
    [Fact]
    public async Task Live_follows_the_node_and_ready_waits_for_the_engine_and_the_members_partitions()
    {
        var host = HostingConfigurationTests.Build(HostingConfigurationTests.Settings(
            ("Shoal:Engine", "inproc://"),
            ("Shoal:Topics:orders:Partitions", "4"),
            ("Shoal:Groups:billing:Topic", "orders"),
            ("Shoal:Groups:billing:Cluster:MemberId", "node-a"),
            ("Shoal:Groups:billing:Cluster:HeartbeatInterval", "100ms"),
            ("Shoal:Groups:billing:Cluster:SessionTtl", "2s")), HostingConfigurationTests.WithHandlers("billing"), services => services.AddHealthChecks().AddShoalHealthChecks());
        try
        {
            var health = host.Services.GetRequiredService<HealthCheckService>();

            // Before the start the engine (from a URI) is not open: not ready, but live (starting is no reason to restart).
            Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health, ShoalHealthChecks.LiveTag)).Status);
            var notReady = await CheckAsync(health, ShoalHealthChecks.ReadyTag);
            Assert.Equal(HealthStatus.Unhealthy, notReady.Entries[ShoalHealthChecks.EngineCheckName].Status);

            await host.StartAsync();
            var member = Assert.Single(host.Services.GetRequiredService<ShoalNode>().Members);
            await Wait.UntilAsync(() => member.OwnedPartitions.Count == 4, "the member owns every partition");
            var ready = await CheckAsync(health, ShoalHealthChecks.ReadyTag);
            Assert.Equal(HealthStatus.Healthy, ready.Status);
            Assert.Equal(new[] { ShoalHealthChecks.EngineCheckName, ShoalHealthChecks.MembersCheckName }, ready.Entries.Keys.Order());
            Assert.Contains("1 members registered", ready.Entries[ShoalHealthChecks.MembersCheckName].Description, StringComparison.Ordinal);
            Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health, ShoalHealthChecks.LiveTag)).Status);

            await host.StopAsync();
            var live = await CheckAsync(health, ShoalHealthChecks.LiveTag);
            Assert.Equal(HealthStatus.Unhealthy, live.Status);
            Assert.Equal("the node stopped", live.Entries[ShoalHealthChecks.NodeCheckName].Description);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task A_failed_start_is_not_live()
    {
        var host = HostingConfigurationTests.Build(HostingConfigurationTests.Settings(
            ("Shoal:Groups:billing:Topic", "orders"),
            ("Shoal:Groups:billing:MaxConcurrency", "0")), HostingConfigurationTests.WithHandlers("billing"), services => services.AddShoalHealthChecks());
        try
        {
            await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            var live = await CheckAsync(host.Services.GetRequiredService<HealthCheckService>(), ShoalHealthChecks.LiveTag);
            Assert.Equal(HealthStatus.Unhealthy, live.Status);
            Assert.Equal("the node's start failed", live.Entries[ShoalHealthChecks.NodeCheckName].Description);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    private static Task<HealthReport> CheckAsync(HealthCheckService health, string tag) =>
        health.CheckHealthAsync(check => check.Tags.Contains(tag));
}
