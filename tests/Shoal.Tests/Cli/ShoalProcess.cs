using System.Diagnostics;
using Shoal.Cli.Infrastructure;

namespace Shoal.Tests.Cli;

/// <summary>
/// The built <c>shoal</c> as a long-running child process (a supervisor, a dev cluster) whose stdout lines the test
/// reads as they come. Disposing kills it and its descendants if it is still running, so a failed test leaves nothing.
/// </summary>
internal sealed class ShoalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<string> _errors = [];
    private bool _disposed;

    private ShoalProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Add(_lines, e.Data);
        process.ErrorDataReceived += (_, e) => Add(_errors, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return string.Join('\n', _errors);
            }
        }
    }

    public static ShoalProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "shoal.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new ShoalProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start shoal"));
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        ProcessSignals.Terminate(_process.Id);
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public override string ToString() => $"stdout:\n{string.Join('\n', Lines)}\nstderr:\n{Errors}";

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Add(List<string> to, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (to)
        {
            to.Add(line);
        }
    }
}
