using System.Runtime.InteropServices;

namespace Shoal.Cli.Nats;

/// <summary>POSIX signals to a process by pid (.NET's <c>Process.Kill</c> only sends SIGKILL).</summary>
internal static class Signals
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

    // DllImport rather than LibraryImport: the generated marshalling needs unsafe code, and two ints need none.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
