using System.Diagnostics;
using Shoal.Hosting.Processes;

namespace Shoal.TestSupport;

/// <summary>What the real-process tests wait for on a <see cref="ChildProcess"/>, failing with what it printed.</summary>
internal static class ChildProcessExtensions
{
    /// <summary>SIGTERM, then waits for the exit code; throws <see cref="TimeoutException"/> (saying what it printed) after <paramref name="timeout"/>.</summary>
    public static async Task<int> TerminateAsync(this ChildProcess process, TimeSpan timeout)
    {
        process.Terminate();
        return await process.WaitForExitAsync(timeout)
            ? process.ExitCode
            : throw new TimeoutException($"{process.Name} did not exit within {timeout.TotalSeconds:0} s of SIGTERM.\n{process}");
    }

    /// <summary>Waits for the first stdout line that <paramref name="match"/>es; fails early when the process exits first.</summary>
    public static async Task<string> WaitForLineAsync(this ChildProcess process, Func<string, bool> match, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.Lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited before {what}.\n{process}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{process.Name}: no {what} within {timeout.TotalSeconds:0} s.\n{process}");
            }

            await Task.Delay(20);
        }
    }
}
