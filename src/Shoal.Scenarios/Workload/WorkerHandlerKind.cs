namespace Shoal.Scenarios.Workload;

/// <summary>What <c>shoal worker --handler</c> does with each event.</summary>
public enum WorkerHandlerKind
{
    /// <summary>Records what it handled in the engine, for <c>shoal verify</c>.</summary>
    Verify,

    /// <summary>Nothing.</summary>
    Noop,

    /// <summary>Waits a fixed time (an I/O-bound handler).</summary>
    Sleep,
}
