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

    /// <param name="options">Validated options.</param>
    /// <param name="segmentShift">Events per segment as a power of two; tests use small segments to see them released.</param>
    public InProcessShoalEngine(InProcessEngineOptions options, int segmentShift = PartitionLog.DefaultSegmentShift)
    {
        _store = new InProcessCoordinationStore();
        _log = new InProcessEventLog(options, CommittedOffsetScan.FloorOf(_store), segmentShift);
    }

    public string Name => "inproc://";

    public IEventLog Log => _log;

    /// <summary>The log's internal state (for tests).</summary>
    internal InProcessEventLog EventLog => _log;

    public ICoordinationStore Coordination => _store;

    public ValueTask DisposeAsync()
    {
        _log.Dispose();
        _store.Dispose();
        return ValueTask.CompletedTask;
    }
}
