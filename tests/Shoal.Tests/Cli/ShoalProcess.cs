using System.Diagnostics;
using System.Text;
using Shoal.Cli.Infrastructure;

namespace Shoal.Tests.Cli;

/// <summary>
/// The built <c>shoal</c> running as a child process (a worker, a server, a steady producer) while a test goes on: its
/// output is collected line by line as it comes; <see cref="KillAsync"/> is a crash (SIGKILL); disposing kills the whole
/// process tree if it still runs and waits for it, so a failing test leaves nothing behind.
/// </summary>
internal sealed class ShoalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _out = [];
    private readonly StringBuilder _err = new();
    private int? _exit;

    private ShoalProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        Id = process.Id;
    }

    /// <summary>What the test calls this process in messages, e.g. <c>worker worker-b</c>.</summary>
    public string Name { get; }

    public int Id { get; }

    public bool HasExited => _exit is not null || _process.HasExited;

    /// <summary>The lines written to stdout so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_out)
            {
                return [.. _out];
            }
        }
    }

    public static ShoalProcess Start(string name, params string[] args)
    {
        var process = new Process { StartInfo = VerbRunner.ProcessStart(args) };
        var started = new ShoalProcess(name, process.Start() ? process : throw new InvalidOperationException($"could not start shoal {name}"));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (started._out)
                {
                    started._out.Add(line);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (started._err)
                {
                    started._err.AppendLine(line);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Waits for the first stdout line that <paramref name="match"/>es; fails early when the process exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited before {what}.\n{this}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name}: no {what} within {timeout.TotalSeconds:0}s.\n{this}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits for the process to exit on its own and returns its exit code; fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:0}s.\n{this}");
        }

        return _process.ExitCode;
    }

    /// <summary>The lines written to stderr so far.</summary>
    public string Errors
    {
        get
        {
            lock (_err)
            {
                return _err.ToString();
            }
        }
    }

    /// <summary>A graceful stop: SIGTERM, then waits for the exit code (fails after <paramref name="timeout"/>).</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        ProcessSignals.Terminate(_process.Id);
        return await WaitForExitAsync(timeout);
    }

    /// <summary>A crash: SIGKILL (no graceful stop, no hand-over), then waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_exit is not null)
        {
            return;
        }

        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _exit = _process.ExitCode;
        _process.Dispose();
    }

    public override string ToString()
    {
        string error;
        lock (_err)
        {
            error = _err.ToString();
        }

        var state = _exit is { } code ? $"exited {code}" : _process.HasExited ? $"exited {_process.ExitCode}" : "running";
        return $"--- {Name} (pid {Id}, {state}) stdout:\n{string.Join('\n', Lines.TakeLast(40))}\n--- stderr:\n{Tail(error, 4_000)}";
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : "…" + text[^length..];
}
