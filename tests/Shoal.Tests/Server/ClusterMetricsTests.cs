using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Tests.Cluster;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

/// <summary>
/// The cluster instruments are recorded where the members run: members hosted in the server's process show a
/// crash's takeover in its <c>/metrics</c>. (The dashboard's browser test runs its workers as separate processes,
/// whose instruments the server cannot see.) A crash is <see cref="Shoal.Cluster.ClusterMember.AbandonAsync"/>: no
/// hand-over, the leases expire after the TTL. The members run on a fake clock (the lockstep of
/// <see cref="ClusterHarness"/>), the server on real time: it only reads the instruments.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterMetricsTests
{
    [Fact]
    public async Task Metrics_of_members_hosted_in_the_server_show_rebalances_lease_changes_and_the_failover_of_a_crashed_member()
    {
        await using var cluster = new ClusterHarness(6, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1_000), new TestClock());
        var nodes = new List<ClusterHarness.Node>();
        foreach (var id in new[] { "node-a", "node-b", "node-c" })
        {
            nodes.Add(await cluster.StartNodeAsync(id));
        }

        await cluster.BalancedAsync(nodes);
        await using var host = await ServerHost.StartAsync(
            cluster.Engine,
            options: o => o with { SessionTtl = cluster.Cluster.SessionTtl },
            services: s => nodes.ForEach(n => s.AddSingleton(n.Member)));
        await cluster.PublishAsync(keys: 40, perKey: 5);

        await cluster.CrashAsync(nodes[1]);
        await cluster.BalancedAsync([nodes[0], nodes[2]]);

        // The survivors took leases over from an expired owner.
        var metrics = await host.Client.GetStringAsync("/metrics");
        Assert.Matches(new Regex("""shoal_cluster_failover_duration_\w*count\{[^}]*shoal_group="billing"[^}]*\} [1-9]"""), metrics);
        Assert.Matches(new Regex("""shoal_cluster_lease_changes_total\{[^}]*shoal_change="acquired"""), metrics);
        Assert.Matches(new Regex("""shoal_cluster_rebalances_total\{[^}]*shoal_group="billing"""), metrics);
    }
}
