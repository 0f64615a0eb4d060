using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Cluster;
using Shoal.Engine;

namespace Shoal.Hosting;

/// <summary>Adds Shoal to a service collection.</summary>
public static class ShoalServiceCollectionExtensions
{
    /// <summary>
    /// Adds a Shoal node: <see cref="IShoalEngine"/>, <see cref="ShoalNode"/>, its <see cref="ShoalRuntime"/>,
    /// <see cref="IEventPublisher"/> and a <see cref="ClusterStatusReader"/> of the engine (singletons) and a hosted service that starts the node with the host and stops it gracefully with the host
    /// (stop starting events, wait for the handler calls running, commit). Calling it again returns the same builder.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Engine, topics, event types, groups and handlers; the builder is also returned.</param>
    public static ShoalBuilder AddShoal(this IServiceCollection services, Action<ShoalBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = Find(services);
        if (builder is null)
        {
            builder = new ShoalBuilder(services);
            services.AddSingleton(new BuilderMarker(builder));
            services.AddSingleton(builder);
            services.AddSingleton<NodeLifecycle>();
            services.AddSingleton(builder.CreateEngine);
            services.AddSingleton(builder.CreateNode);
            services.AddSingleton(sp => sp.GetRequiredService<ShoalNode>().Runtime);
            services.AddSingleton<IEventPublisher>(sp => sp.GetRequiredService<ShoalRuntime>().Publisher);
            services.AddSingleton(sp => new ClusterStatusReader(sp.GetRequiredService<IShoalEngine>(), sp.GetService<TimeProvider>()));
            services.AddHostedService<ShoalHostedService>();
        }

        configure?.Invoke(builder);
        return builder;
    }

    /// <summary>
    /// Adds a Shoal node as <see cref="AddShoal(IServiceCollection, Action{ShoalBuilder}?)"/> does, with the engine URI,
    /// topics, groups (by name), their retry and cluster settings read from <paramref name="configuration"/>, e.g.
    /// <c>builder.Configuration.GetSection("Shoal")</c>: <c>Engine</c>, <c>Topics:NAME:…</c>, <c>Groups:NAME:…</c>
    /// (docs/hosting.md lists every setting). Handlers and event types stay in code: <paramref name="configure"/> adds them
    /// (<c>AddHandler&lt;OrderPlaced, OrderPlacedHandler&gt;("billing")</c>) and may add more topics and groups.
    /// The section is read when the host starts; an unknown key, a value that does not parse or one the options refuse
    /// makes <c>host.StartAsync</c> throw <see cref="ShoalConfigurationException"/> whose field is the configuration path
    /// (<c>Shoal:Groups:billing:MaxConcurrency</c>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding Shoal's settings (environment variables: <c>Shoal__Groups__billing__MaxConcurrency</c>).</param>
    /// <param name="configure">Event types, handlers, and anything else set in code; the builder is also returned.</param>
    public static ShoalBuilder AddShoal(this IServiceCollection services, IConfiguration configuration, Action<ShoalBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddShoal();
        builder.UseConfiguration(configuration);
        configure?.Invoke(builder);
        return builder;
    }

    private static ShoalBuilder? Find(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(BuilderMarker) && !descriptor.IsKeyedService
                && descriptor.ImplementationInstance is BuilderMarker marker)
            {
                return marker.Builder;
            }
        }

        return null;
    }

    /// <summary>Lets a second <c>AddShoal</c> call find the first one's builder.</summary>
    private sealed record BuilderMarker(ShoalBuilder Builder);
}
