using Shoal.Cluster.Autoscaling;

namespace Shoal.Hosting.Processes;

/// <summary>
/// Starts real worker processes for a <see cref="Supervisor"/>: <paramref name="fileName"/> with the arguments
/// <paramref name="arguments"/> gives for each member id (they should make the worker join the group under that id).
/// Output is drained; the last stderr lines are kept for crash reports, and everything goes to
/// <c>{logDirectory}/{member}.log</c> when a log directory is given. The supervisor's SIGTERM asks a worker to hand over
/// and stop; its kill, and disposing a worker that still runs, is SIGKILL.
/// </summary>
/// <param name="fileName">The worker executable.</param>
/// <param name="arguments">The arguments of the worker with a given member id.</param>
/// <param name="logDirectory">An existing directory each worker's output is appended to, or null to keep only the last errors.</param>
/// <param name="environment">Variables to set for every worker (a null value removes one), or null.</param>
public sealed class ProcessWorkerLauncher(
    string fileName,
    Func<string, IEnumerable<string>> arguments,
    string? logDirectory = null,
    IReadOnlyDictionary<string, string?>? environment = null) : IWorkerLauncher
{
    /// <summary>How many of the last stderr lines each worker keeps for crash reports.</summary>
    public const int KeptLines = 20;

    /// <inheritdoc />
    public IWorkerProcess Start(string memberId) => new WorkerProcess(ChildProcess.Start(
        fileName,
        memberId,
        arguments(memberId),
        logDirectory is null ? null : Path.Combine(logDirectory, memberId + ".log"),
        KeptLines,
        environment));

    /// <summary>The supervisor's view of a <see cref="ChildProcess"/>.</summary>
    private sealed class WorkerProcess(ChildProcess process) : IWorkerProcess
    {
        public int Id => process.Id;

        public Task<int> Exited { get; } = process.WaitForExitAsync();

        public IReadOnlyList<string> LastErrors => process.ErrorLines;

        public void Terminate() => process.Terminate();

        public void Kill() => process.Kill();

        /// <summary>The supervisor disposes a worker once it has exited; one that still runs is killed (SIGKILL) rather than left behind.</summary>
        public void Dispose() => process.Kill();
    }
}
