using System.Diagnostics;
using System.Text;
using Shoal.Cli.Nats;

namespace Shoal.Cli.Infrastructure;

/// <summary>How to start <c>shoal</c> as a child process: an executable and the arguments that come before the verb.</summary>
internal sealed record ShoalLauncher(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>
    /// The <c>shoal</c> this process runs: its own executable (an app host), or <c>dotnet shoal.dll</c> when it was
    /// started through the <c>dotnet</c> host.
    /// </summary>
    public static ShoalLauncher Current()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        var assembly = typeof(ShoalLauncher).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? new ShoalLauncher(process, [assembly])
            : new ShoalLauncher(process, []);
    }

    /// <summary><c>dotnet PATH/shoal.dll</c>, with the <c>dotnet</c> that runs this process when known (tests).</summary>
    public static ShoalLauncher ForAssembly(string dll) =>
        new(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [dll]);
}

/// <summary>
/// A <c>shoal</c> verb running as a child process, its stdout and stderr collected as they come. <see cref="Kill"/> is
/// SIGKILL (a crash), <see cref="Terminate"/> SIGTERM (a graceful stop); disposing kills the process if it still runs,
/// so a caller that fails half-way leaves nothing behind.
/// </summary>
internal sealed class ShoalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly TaskCompletionSource _outClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int? _exitCode;

    private ShoalProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>A name for messages (e.g. the member id).</summary>
    public string Name { get; }

    public int Id { get; private set; }

    public bool HasExited => _exitCode is not null || _process.HasExited;

    public int ExitCode => _exitCode ?? _process.ExitCode;

    /// <summary>Stdout so far.</summary>
    public string Out
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    /// <summary>Stderr so far.</summary>
    public string Err
    {
        get
        {
            lock (_err)
            {
                return _err.ToString();
            }
        }
    }

    public static ShoalProcess Start(ShoalLauncher launcher, string name, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(launcher.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in launcher.Prefix.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var child = new ShoalProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Collect(child._out, child._outClosed, e.Data);
        process.ErrorDataReceived += (_, e) => child.Collect(child._err, child._errClosed, e.Data);
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"could not start {launcher.FileName}");
        }

        child.Id = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL: the process ends at once, without cleaning up (a crash).</summary>
    public void Kill()
    {
        if (_exitCode is not null)
        {
            return;
        }

        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>SIGTERM: asks the verb to stop as Ctrl+C would.</summary>
    public void Terminate()
    {
        if (!HasExited)
        {
            ProcessSignals.Terminate(_process.Id);
        }
    }

    /// <summary>Waits for the process to exit and its output to be read; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(_outClosed.Task, _errClosed.Task).WaitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Waits for the process to exit within <paramref name="timeout"/>; kills it if it has not, and returns false.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            Kill();
            await WaitForExitAsync(CancellationToken.None);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_exitCode is not null)
        {
            return;
        }

        Kill();
        await _process.WaitForExitAsync();
        _exitCode = _process.ExitCode;
        _process.Dispose();
    }

    public override string ToString() =>
        $"{Name} (pid {Id}{(HasExited ? $", exit {ExitCode}" : ", running")})\nstdout:\n{Out}\nstderr:\n{Err}";

    private void Collect(StringBuilder buffer, TaskCompletionSource closed, string? line)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (buffer)
        {
            buffer.Append(line).Append('\n');
        }
    }
}
