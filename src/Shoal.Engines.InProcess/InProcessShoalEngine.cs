using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// The in-process engine. <see cref="DisposeAsync"/> wakes every pending <see cref="IEventLog.ReadAsync"/> and
/// watch with <see cref="ObjectDisposedException"/>; later calls throw it too.
/// </summary>
internal sealed class InProcessShoalEngine : IShoalEngine
{
    private readonly InProcessCoordinationStore _store;
    private readonly InProcessEventLog _log;

    public InProcessShoalEngine(InProcessEngineOptions options)
    {
        _store = new InProcessCoordinationStore();
        _log = new InProcessEventLog(options, _store);
    }

    public string Name => "inproc://";

    public IEventLog Log => _log;

    public ICoordinationStore Coordination => _store;

    public ValueTask DisposeAsync()
    {
        _log.Dispose();
        _store.Dispose();
        return ValueTask.CompletedTask;
    }
}
