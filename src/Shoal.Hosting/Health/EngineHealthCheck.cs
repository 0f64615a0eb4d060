using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shoal.Engine;

namespace Shoal.Hosting.Health;

/// <summary>Ready only when the engine answers (lists its topics) within <see cref="Timeout"/>.</summary>
internal sealed class EngineHealthCheck(IShoalEngine engine) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var name = ShoalEngines.Redact(engine.Name);
        try
        {
            var topics = await engine.Log.ListTopicsAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{name}: {topics.Count} topics");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{name} did not answer within {Timeout.TotalSeconds:0} s.");
        }
        catch (ShoalException ex)
        {
            return HealthCheckResult.Unhealthy($"{name}: {ex.Message}", ex);
        }
    }
}
