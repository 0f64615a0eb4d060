using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Shoal.Hosting.Health;

/// <summary>
/// Shoal's health checks for <c>Microsoft.Extensions.Diagnostics.HealthChecks</c>, tagged for Kubernetes probes:
/// <see cref="LiveTag"/> (the node runs: restart the pod when not) and <see cref="ReadyTag"/> (the engine answers and
/// every cluster member of this process is registered and holds its partitions, or legitimately holds none).
/// </summary>
public static class ShoalHealthChecks
{
    /// <summary>The tag of the liveness check (<see cref="NodeCheckName"/>).</summary>
    public const string LiveTag = "live";

    /// <summary>The tag of the readiness checks (<see cref="EngineCheckName"/>, <see cref="MembersCheckName"/>).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Live: healthy while the node is starting or running; unhealthy once its start failed or it stopped.</summary>
    public const string NodeCheckName = "shoal-node";

    /// <summary>Ready: the engine lists its topics within 5 s.</summary>
    public const string EngineCheckName = "shoal-engine";

    /// <summary>Ready: each cluster member sees itself registered and owns partitions, or its target assignment gives it none.</summary>
    public const string MembersCheckName = "shoal-members";

    /// <summary>
    /// Adds <see cref="NodeCheckName"/> (tagged <see cref="LiveTag"/>), <see cref="EngineCheckName"/> and
    /// <see cref="MembersCheckName"/> (tagged <see cref="ReadyTag"/>). They read the <c>IShoalEngine</c> registered in the
    /// container (<c>AddShoal</c> registers one), the node <c>AddShoal</c> starts, and any <c>ClusterMember</c> registered
    /// as a service. Adding them twice (for example by this call and by <c>AddShoalServer</c>) adds them once. In ASP.NET Core: <c>app.MapHealthChecks("/health/live", new() { Predicate = c =&gt; c.Tags.Contains("live") })</c>,
    /// and the same with <c>"ready"</c>.
    /// </summary>
    public static IHealthChecksBuilder AddShoalHealthChecks(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return builder;
        }

        builder.Services.AddSingleton<Marker>();
        return builder
            .AddCheck<NodeLiveHealthCheck>(NodeCheckName, tags: [LiveTag])
            .AddCheck<EngineHealthCheck>(EngineCheckName, tags: [ReadyTag])
            .AddCheck<MembersHealthCheck>(MembersCheckName, tags: [ReadyTag]);
    }

    /// <summary>Adds the health check services and Shoal's checks (<see cref="AddShoalHealthChecks(IHealthChecksBuilder)"/>).</summary>
    public static IHealthChecksBuilder AddShoalHealthChecks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddHealthChecks().AddShoalHealthChecks();
    }

    /// <summary>Shows the checks are registered, so a second call adds nothing (duplicate names would fail the host).</summary>
    private sealed class Marker;
}
