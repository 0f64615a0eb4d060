using System.Diagnostics;
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
    private readonly string _fileName;
    private readonly IReadOnlyList<string> _prefix;
    private readonly IReadOnlyList<string> _workerArguments;
    private readonly string? _logDirectory;

    /// <param name="workerArguments">Everything after <c>worker</c> except <c>--member-id</c>.</param>
    /// <param name="logDirectory">Where each worker's output goes (appended), or null to keep only the last errors.</param>
    public WorkerProcessLauncher(IReadOnlyList<string> workerArguments, string? logDirectory)
    {
        (_fileName, _prefix) = CurrentExecutable();
        _workerArguments = workerArguments;
        _logDirectory = logDirectory;
        if (logDirectory is not null)
        {
            Directory.CreateDirectory(logDirectory);
        }
    }

    /// <summary>How to run this same <c>shoal</c>: the app host directly, or the <c>dotnet</c> host with shoal.dll.</summary>
    public static (string FileName, IReadOnlyList<string> Prefix) CurrentExecutable()
    {
        var host = Environment.ProcessPath ?? throw new ShoalException("cannot tell which executable runs shoal (Environment.ProcessPath is null).");
        var name = Path.GetFileNameWithoutExtension(host);
        return name.Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? (host, [typeof(WorkerProcessLauncher).Assembly.Location])
            : (host, []);
    }

    public IWorkerProcess Start(string memberId)
    {
        var start = new ProcessStartInfo(_fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in _prefix)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("worker");
        foreach (var argument in _workerArguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--member-id");
        start.ArgumentList.Add(memberId);
        start.ArgumentList.Add("--parent-pid");
        start.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ShoalException($"could not start a worker ({_fileName}).");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ShoalException($"could not start a worker ({_fileName}): {e.Message}");
        }

        var log = _logDirectory is null ? null : TextWriter.Synchronized(new StreamWriter(Path.Combine(_logDirectory, memberId + ".log"), append: true) { AutoFlush = true });
        return new WorkerProcess(process, log);
    }

    private sealed class WorkerProcess : IWorkerProcess
    {
        private const int KeptLines = 20;
        private readonly Process _process;
        private readonly TextWriter? _log;
        private readonly Queue<string> _errors = new();
        private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public WorkerProcess(Process process, TextWriter? log)
        {
            _process = process;
            _log = log;
            Id = process.Id;
            process.OutputDataReceived += (_, e) => Write(e.Data, error: false);
            process.ErrorDataReceived += (_, e) => Write(e.Data, error: true);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _ = WatchAsync();
        }

        public int Id { get; }

        public Task<int> Exited => _exited.Task;

        public IReadOnlyList<string> LastErrors
        {
            get
            {
                lock (_errors)
                {
                    return [.. _errors];
                }
            }
        }

        public void Terminate()
        {
            if (!_exited.Task.IsCompleted)
            {
                ProcessSignals.Terminate(Id);
            }
        }

        public void Kill()
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }

        public void Dispose()
        {
            _process.Dispose();
            _log?.Dispose();
        }

        private async Task WatchAsync()
        {
            // WaitForExitAsync also waits for the output streams to close, so the last errors are in when it completes.
            await _process.WaitForExitAsync(CancellationToken.None);
            _exited.TrySetResult(_process.ExitCode);
        }

        private void Write(string? line, bool error)
        {
            if (line is null)
            {
                return;
            }

            _log?.WriteLine(line);
            if (error)
            {
                lock (_errors)
                {
                    _errors.Enqueue(line);
                    if (_errors.Count > KeptLines)
                    {
                        _errors.Dequeue();
                    }
                }
            }
        }
    }
}
