using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shoal.Cluster;
using Shoal.Engine;

namespace Shoal.Server.Health;

/// <summary>Ready only when the engine answers (lists its topics) within a few seconds.</summary>
internal sealed class EngineHealthCheck(IShoalEngine engine) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var topics = await engine.Log.ListTopicsAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{engine.Name}: {topics.Count} topics");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{engine.Name} did not answer within {Timeout.TotalSeconds:0} s.");
        }
        catch (ShoalException ex)
        {
            return HealthCheckResult.Unhealthy($"{engine.Name}: {ex.Message}", ex);
        }
    }
}

/// <summary>
/// For cluster members hosted in this process (registered as <see cref="ClusterMember"/> services): ready when each
/// sees itself registered and owns partitions, or its target assignment gives it none. Without members: healthy.
/// </summary>
internal sealed class MembersHealthCheck(IEnumerable<ClusterMember> members) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
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
