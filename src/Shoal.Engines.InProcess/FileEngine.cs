using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// The durable embedded engine (<c>file://DIR</c>): the in-process engine, with every event also written to a
/// per-partition journal on disk (FASTER's FasterLog) and the coordination store to a snapshot and journal, so events
/// and progress survive a crash. Layout, durability policies and recovery: <c>docs/engines.md</c>.
/// </summary>
public static class FileEngine
{
    /// <summary>
    /// Opens the data directory — taking its ownership lock, recovering every topic and the coordination store —
    /// and returns the engine. Dispose it to flush, close the files and release the directory.
    /// </summary>
    /// <exception cref="ShoalConfigurationException">The options are invalid.</exception>
    /// <exception cref="EngineException">
    /// Another process owns the directory (the message names it and that process's id), the directory cannot be
    /// written, a file is corrupt (the message names it and where, and how to recover), or a group's committed offset
    /// is above its partition's recovered end offset (the message names both and how to recover).
    /// </exception>
    public static async ValueTask<IShoalEngine> OpenAsync(FileEngineOptions options, CancellationToken cancellationToken = default)
    {
        if (options is null)
        {
            throw new ShoalConfigurationException("options", "must not be null.");
        }

        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        return await FileShoalEngine.OpenAsync(options);
    }
}
