using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// The embedded engine: the event log and the coordination store held in this process's memory.
/// Nothing to install; everything is lost when the engine is disposed or the process exits.
/// </summary>
public static class InProcessEngine
{
    /// <summary>Creates an engine. Throws <see cref="ShoalConfigurationException"/> when the options are invalid.</summary>
    public static IShoalEngine Create(InProcessEngineOptions? options = null)
    {
        options ??= InProcessEngineOptions.Default;
        options.Validate();
        return new InProcessShoalEngine(options);
    }
}
