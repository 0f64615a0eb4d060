namespace Shoal.Cluster.Autoscaling;

/// <summary>One worker as the live view shows it.</summary>
/// <param name="MemberId">The member id the worker joined as (kept across restarts).</param>
/// <param name="Pid">The process id; 0 while waiting for a restart.</param>
/// <param name="State"><c>running</c>, <c>restarting</c> or <c>stopping</c>.</param>
/// <param name="Age">Time since this process started.</param>
/// <param name="Restarts">How many times the worker was restarted after a crash.</param>
public sealed record WorkerView(string MemberId, int Pid, string State, TimeSpan Age, int Restarts);
