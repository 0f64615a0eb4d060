using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Shoal.Hosting.Health;

/// <summary>
/// Live while the node <c>AddShoal</c> runs is starting or running (a start is not a reason to restart the process);
/// unhealthy once its start failed or it stopped while the process goes on. Without <c>AddShoal</c>: healthy (the
/// process answers).
/// </summary>
internal sealed class NodeLiveHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(services.GetService<NodeLifecycle>()?.State switch
        {
            null => HealthCheckResult.Healthy("no Shoal node in this process"),
            NodeState.Created => HealthCheckResult.Healthy("the node has not started yet"),
            NodeState.Starting => HealthCheckResult.Healthy("the node is starting"),
            NodeState.Running => HealthCheckResult.Healthy("the node runs"),
            NodeState.StartFailed => HealthCheckResult.Unhealthy("the node's start failed"),
            _ => HealthCheckResult.Unhealthy("the node stopped"),
        });
}
