using System.Runtime.InteropServices;

namespace Shoal.Hosting.Processes;

/// <summary>
/// POSIX signals to a process by pid (.NET's <c>Process.Kill</c> only sends SIGKILL), and the parent process id, for
/// code that runs child processes (<see cref="ChildProcess"/>; <c>shoal dev-cluster</c>'s servers) and for workers that
/// should stop when the process that started them is gone (<c>shoal worker --parent-pid</c>).
/// </summary>
public static class ProcessSignals
{
    private const int SigTerm = 15;

    /// <summary>Asks the process to stop (SIGTERM); on Windows, kills it.</summary>
    public static void Terminate(int pid)
    {
        if (OperatingSystem.IsWindows())
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            return;
        }

        _ = Kill(pid, SigTerm);
    }

    /// <summary>
    /// True while process <paramref name="pid"/> is still this process's parent. On Unix a process whose parent exits
    /// is re-parented (to init or a subreaper), so <c>getppid()</c> changes; on Windows, whether the process is alive.
    /// </summary>
    public static bool IsParentAlive(int pid)
    {
        if (!OperatingSystem.IsWindows())
        {
            return GetParentPid() == pid;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport: the generated marshalling needs unsafe code, and two ints need none.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "getppid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetParentPid();
#pragma warning restore SYSLIB1054
}
