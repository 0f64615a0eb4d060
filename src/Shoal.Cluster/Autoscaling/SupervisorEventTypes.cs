namespace Shoal.Cluster.Autoscaling;

/// <summary>What a supervisor event is about.</summary>
public static class SupervisorEventTypes
{
    /// <summary>The autoscaler decided (every interval), whether or not the count changed.</summary>
    public const string Decision = "decision";

    /// <summary>A worker process was started (initial, scale-up).</summary>
    public const string Started = "started";

    /// <summary>A worker was asked to hand over and stop (SIGTERM): scale-down or shutdown.</summary>
    public const string Stopping = "stopping";

    /// <summary>A worker the supervisor had asked to stop exited.</summary>
    public const string Exited = "exited";

    /// <summary>A worker exited without being asked to (a crash): it is restarted.</summary>
    public const string Crashed = "crashed";

    /// <summary>A crashed worker was started again under the same member id (self-healing, not a scaling decision).</summary>
    public const string Restarted = "restarted";

    /// <summary>A worker did not exit within the stop timeout after SIGTERM and was killed (SIGKILL).</summary>
    public const string Killed = "killed";

    /// <summary>The autoscaler could not read the engine this time; the workers stay as they are.</summary>
    public const string Error = "error";
}
