using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shoal.Cluster;

namespace Shoal.Hosting.Health;

/// <summary>
/// For the cluster members of this process — the members of the node <c>AddShoal</c> started, and any
/// <see cref="ClusterMember"/> registered as a service — ready when each sees itself registered and owns partitions, or
/// its target assignment gives it none (more members than partitions, or no view of the group yet). Without members: healthy.
/// </summary>
internal sealed class MembersHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IEnumerable<ClusterMember> node = services.GetService<NodeLifecycle>()?.Node?.Members ?? [];
        var members = node.Concat(services.GetServices<ClusterMember>()).Distinct();
        var problems = new List<string>();
        var count = 0;
        foreach (var member in members)
        {
            count++;
            if (!member.LiveMembers.Contains(member.MemberId))
            {
                problems.Add($"{member.Group}/{member.MemberId} is not registered yet");
            }
            else if (member.OwnedPartitions.Count == 0 && member.TargetAssignment.PartitionsOf(member.MemberId).Count > 0)
            {
                problems.Add($"{member.Group}/{member.MemberId} owns none of its assigned partitions yet");
            }
        }

        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy(count == 0 ? "no cluster member in this process" : $"{count} members registered and owning their partitions")
            : HealthCheckResult.Unhealthy(string.Join("; ", problems)));
    }
}
