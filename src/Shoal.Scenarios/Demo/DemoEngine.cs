using Shoal.Engine;
using Shoal.Engines.InProcess;

namespace Shoal.Scenarios.Demo;

/// <summary>The engine a demo runs on (<c>--engine</c>) and the topic it uses there.</summary>
internal static class DemoEngine
{
    /// <summary>
    /// Opens the engine: for a bare <c>inproc://</c> (the default) a private in-process engine that trims handled
    /// events every 100 ms (the settings the demo always had) and topic <c>demo</c>; for any other URI that engine,
    /// and a fresh topic <c>demo-{8 hex digits}</c> so the run never mixes with an earlier run's events. An engine
    /// opened from a URI gets <paramref name="services"/> (its logging, its clock).
    /// </summary>
    public static async ValueTask<(IShoalEngine Engine, string Topic)> OpenAsync(DemoSettings settings, EngineServices services, TimeSpan retentionCheck, CancellationToken cancellationToken)
    {
        if (settings.Engine == EngineUriSchemes.InProcess)
        {
            var engine = InProcessEngine.Create(new InProcessEngineOptions { RetentionCheckInterval = retentionCheck });
            return (engine, "demo");
        }

        var opened = await ShoalEngines.OpenAsync(settings.Engine, services, cancellationToken);
        return (opened, "demo-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 4));
    }
}
