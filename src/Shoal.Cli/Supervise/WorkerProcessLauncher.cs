using System.Globalization;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Hosting.Processes;

namespace Shoal.Cli.Supervise;

/// <summary>
/// The <c>shoal worker</c> command line of <c>supervise</c>'s workers: the same executable as this process (the
/// <c>shoal</c> app host, or <c>dotnet shoal.dll</c>), with the supervisor's topic and group, a member id,
/// <c>--parent-pid</c> (so a worker whose supervisor was killed stops by itself) and the user's worker options, started
/// by the library's <see cref="ProcessWorkerLauncher"/>. The engine URI goes in the worker's environment
/// (<see cref="EngineOption.Variable"/>), never in its arguments: any local user can read a process's arguments
/// (<c>/proc/PID/cmdline</c>), only its owner its environment, and the URI may hold a password or token.
/// </summary>
internal static class WorkerProcessLauncher
{
    /// <param name="engine">The engine URI, given to each worker as <see cref="EngineOption.Variable"/>.</param>
    /// <param name="workerArguments">Everything after <c>worker</c> except <c>--member-id</c> (and no <c>--engine</c>).</param>
    /// <param name="logDirectory">Where each worker's output goes (appended; created), or null to keep only the last errors.</param>
    public static ProcessWorkerLauncher Create(string engine, IReadOnlyList<string> workerArguments, string? logDirectory)
    {
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

        var shoal = ThisShoal.Launcher();
        var parentPid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return new ProcessWorkerLauncher(
            shoal.FileName,
            memberId => [.. shoal.Prefix, "worker", .. workerArguments, "--member-id", memberId, "--parent-pid", parentPid],
            logDirectory,
            new Dictionary<string, string?> { [EngineOption.Variable] = engine, [EngineOption.FileVariable] = null });
    }
}
