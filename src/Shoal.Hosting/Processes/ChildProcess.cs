using System.ComponentModel;
using System.Diagnostics;

namespace Shoal.Hosting.Processes;

/// <summary>
/// A child process (a worker, a producer, a server), with its stdout and stderr collected line by line as they come —
/// every line, or the last <c>keptLines</c> of each — and, when asked, appended to a log file as well.
/// <see cref="Kill"/> is SIGKILL (a crash), <see cref="Terminate"/> SIGTERM (a graceful stop: a Shoal worker hands its
/// partitions over), <see cref="StopAsync"/> SIGTERM and SIGKILL after a grace period. Disposing kills the process tree
/// if it still runs and waits for it, so a caller that fails half-way leaves nothing behind. Stdin is a pipe nobody
/// writes to: a child never reads the user's terminal.
/// </summary>
/// <remarks>
/// The one runner of child processes: <see cref="ProcessWorkerLauncher"/> (a supervisor's workers), the <c>shoal</c>
/// benches and the real-process tests all start theirs here. Its output arrives on thread-pool threads and its waits
/// run on the wall clock, which is why it lives in Hosting and not beside the supervisor in Cluster
/// (docs/autoscaling.md).
/// </remarks>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int ShownLines = 40;
    private const int ShownErrorChars = 4_000;

    private readonly Process _process;
    private readonly Collected _out;
    private readonly Collected _err;
    private readonly TextWriter? _log;
    private readonly Task<int> _exited;

    private ChildProcess(string name, Process process, Collected output, Collected errors, string? logFile, TextWriter? log)
    {
        Name = name;
        LogFile = logFile;
        Id = process.Id;
        _process = process;
        _out = output;
        _err = errors;
        _log = log;
        _exited = WatchAsync();
    }

    /// <summary>What messages call it, e.g. the member id or <c>producer</c>.</summary>
    public string Name { get; }

    /// <summary>The process id (kept after the process has exited, for messages).</summary>
    public int Id { get; }

    /// <summary>The file its output is appended to, if any.</summary>
    public string? LogFile { get; }

    /// <summary>True once the process has exited and its output has been read to the end.</summary>
    public bool HasExited => _exited.IsCompleted;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _exited.IsCompletedSuccessfully ? _exited.Result : throw new InvalidOperationException($"{Name} (pid {Id}) has not exited.");

    /// <summary>The lines written to stdout so far (the last <c>keptLines</c> when limited).</summary>
    public IReadOnlyList<string> Lines => _out.Snapshot();

    /// <summary>The lines written to stderr so far (the last <c>keptLines</c> when limited).</summary>
    public IReadOnlyList<string> ErrorLines => _err.Snapshot();

    /// <summary>Stdout so far, each line ending in <c>\n</c>.</summary>
    public string Out => Text(Lines);

    /// <summary>Stderr so far, each line ending in <c>\n</c>.</summary>
    public string Err => Text(ErrorLines);

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    /// <param name="fileName">The executable (a path, or a name found on PATH).</param>
    /// <param name="name">What messages call the process.</param>
    /// <param name="arguments">The arguments, each passed as one (no shell quoting).</param>
    /// <param name="logFile">A file every stdout and stderr line is appended to, or null.</param>
    /// <param name="keptLines">How many of the last lines of each stream to keep in memory; null keeps them all.</param>
    /// <param name="environment">Variables to set (a null value removes one) on top of this process's environment.</param>
    /// <exception cref="ShoalException">The executable could not be started.</exception>
    public static ChildProcess Start(
        string fileName,
        string name,
        IEnumerable<string> arguments,
        string? logFile = null,
        int? keptLines = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        var log = logFile is null ? null : TextWriter.Synchronized(new StreamWriter(logFile, append: true) { AutoFlush = true });
        var output = new Collected(keptLines, log);
        var errors = new Collected(keptLines, log);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => errors.Add(e.Data);
        string? failure = null;
        try
        {
            if (!process.Start())
            {
                failure = "no process was started";
            }
        }
        catch (Win32Exception e)
        {
            failure = e.Message;
        }

        if (failure is not null)
        {
            process.Dispose();
            log?.Dispose();
            throw new ShoalException($"could not start {name} ({fileName}): {failure}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process, output, errors, logFile, log);
    }

    /// <summary>SIGKILL: the process ends at once, without cleaning up (a crash). Its children, if any, live on.</summary>
    public void Kill()
    {
        if (HasExited)
        {
            return;
        }

        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited (and released).
        }
    }

    /// <summary>SIGKILL, then waits until the process is gone and its output read.</summary>
    public async Task KillAsync()
    {
        Kill();
        await _exited;
    }

    /// <summary>SIGTERM: asks the process to stop as Ctrl+C would (a Shoal worker hands its partitions over). On Windows, kills it.</summary>
    public void Terminate()
    {
        if (!HasExited)
        {
            ProcessSignals.Terminate(Id);
        }
    }

    /// <summary>SIGTERM, then SIGKILL (with its children) if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Terminate();
        if (!await WaitForExitAsync(grace))
        {
            KillTree();
            await _exited;
        }
    }

    /// <summary>Waits for the process to exit and its output to be read; returns its exit code.</summary>
    public Task<int> WaitForExitAsync(CancellationToken cancellationToken = default) => _exited.WaitAsync(cancellationToken);

    /// <summary>Waits at most <paramref name="timeout"/> for the process to exit; false if it still runs (it is not stopped).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Kills the process tree if it still runs, waits until it is gone and its output read.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            KillTree();
        }

        await _exited;
    }

    /// <summary>Name, pid, state, the last 40 stdout lines and the end of stderr: for failure messages.</summary>
    public override string ToString()
    {
        var state = HasExited ? $"exited {ExitCode}" : "running";
        var error = Err;
        var tail = error.Length <= ShownErrorChars ? error : "…" + error[^ShownErrorChars..];
        return $"--- {Name} (pid {Id}, {state}) stdout:\n{string.Join('\n', Lines.TakeLast(ShownLines))}\n--- stderr:\n{tail}";
    }

    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited (and released).
        }
    }

    /// <summary>Completes with the exit code once the process has exited and both streams are read to their end; then releases the process's pipes and the log.</summary>
    private async Task<int> WatchAsync()
    {
        await _process.WaitForExitAsync(CancellationToken.None);
        await Task.WhenAll(_out.Closed, _err.Closed);
        var exitCode = _process.ExitCode;
        _process.Dispose();
        _log?.Dispose();
        return exitCode;
    }

    private static string Text(IReadOnlyList<string> lines) => lines.Count == 0 ? string.Empty : string.Join('\n', lines) + "\n";

    /// <summary>One stream's lines: kept (all, or the last few), copied to the log, and closed at end of stream.</summary>
    private sealed class Collected(int? kept, TextWriter? log)
    {
        private readonly List<string> _lines = [];
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Closed => _closed.Task;

        public void Add(string? line)
        {
            if (line is null)
            {
                _closed.TrySetResult();
                return;
            }

            log?.WriteLine(line);
            lock (_lines)
            {
                _lines.Add(line);
                if (_lines.Count > kept)
                {
                    _lines.RemoveAt(0);
                }
            }
        }

        public string[] Snapshot()
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }
}
