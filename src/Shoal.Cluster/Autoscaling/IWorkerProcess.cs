namespace Shoal.Cluster.Autoscaling;

/// <summary>One started worker process. Disposing it releases it; one that still runs is killed rather than left behind.</summary>
public interface IWorkerProcess : IDisposable
{
    /// <summary>The process id.</summary>
    int Id { get; }

    /// <summary>Completes with the exit code when the process has exited.</summary>
    Task<int> Exited { get; }

    /// <summary>Asks the worker to hand its partitions over and exit (SIGTERM).</summary>
    void Terminate();

    /// <summary>Ends the worker at once (SIGKILL): its leases expire after the session TTL. Does nothing once it has exited.</summary>
    void Kill();

    /// <summary>The last lines the worker wrote to stderr (for a crash report).</summary>
    IReadOnlyList<string> LastErrors { get; }
}
