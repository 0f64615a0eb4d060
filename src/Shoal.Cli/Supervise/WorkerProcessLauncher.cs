using System.Globalization;
using Shoal.Cli.Infrastructure;

namespace Shoal.Cli.Supervise;

/// <summary>
/// Starts real <c>shoal worker</c> processes: the same executable as this process (the <c>shoal</c> app host, or
/// <c>dotnet shoal.dll</c>), with the supervisor's engine, topic and group, a member id, <c>--parent-pid</c> (so a
/// worker whose supervisor was killed stops by itself) and the user's worker options. Output is drained; the last
/// stderr lines are kept for crash reports, and everything goes to <c>{logDirectory}/{member}.log</c> when asked.
/// </summary>
internal sealed class WorkerProcessLauncher : IWorkerLauncher
{
    private const int KeptLines = 20;
    private readonly ShoalLauncher _shoal = ShoalLauncher.Current();
    private readonly IReadOnlyList<string> _workerArguments;
    private readonly string? _logDirectory;

    /// <param name="workerArguments">Everything after <c>worker</c> except <c>--member-id</c>.</param>
    /// <param name="logDirectory">Where each worker's output goes (appended), or null to keep only the last errors.</param>
    public WorkerProcessLauncher(IReadOnlyList<string> workerArguments, string? logDirectory)
    {
        _workerArguments = workerArguments;
        _logDirectory = logDirectory;
        if (logDirectory is not null)
        {
            try
            {
                Directory.CreateDirectory(logDirectory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ShoalException($"--logs: cannot use '{logDirectory}' for the workers' logs: {e.Message}");
            }
        }
    }

    public IWorkerProcess Start(string memberId) => new WorkerProcess(ShoalProcess.Start(
        _shoal,
        memberId,
        ["worker", .. _workerArguments, "--member-id", memberId, "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)],
        _logDirectory is null ? null : Path.Combine(_logDirectory, memberId + ".log"),
        KeptLines));

    /// <summary>The supervisor's view of a <see cref="ShoalProcess"/>.</summary>
    private sealed class WorkerProcess(ShoalProcess process) : IWorkerProcess
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
