using System.Diagnostics;
using Shoal.Cli.Infrastructure;

namespace Shoal.Cli.Bench;

/// <summary>
/// A child process running this same <c>shoal</c> (the apphost, or <c>dotnet shoal.dll</c>), its standard output and
/// error written to files. Stopped by pid: SIGTERM (the verbs' graceful stop), then SIGKILL after a grace period.
/// </summary>
internal sealed class ShoalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _pump;

    private ShoalProcess(Process process, Task pump, string outputPath)
    {
        _process = process;
        _pump = pump;
        OutputPath = outputPath;
    }

    /// <summary>Where its standard output goes (standard error: the same path with <c>.err</c>).</summary>
    public string OutputPath { get; }

    public bool HasExited => _process.HasExited;

    public static ShoalProcess Start(IEnumerable<string> arguments, string outputPath)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(ShoalProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        var pump = Task.WhenAll(
            CopyAsync(process.StandardOutput.BaseStream, outputPath),
            CopyAsync(process.StandardError.BaseStream, outputPath + ".err"));
        return new ShoalProcess(process, pump, outputPath);
    }

    /// <summary>Waits for the process to exit; returns its exit code and the last line it printed.</summary>
    public async Task<(int ExitCode, string LastLine)> WaitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await _pump;
        var lines = await File.ReadAllLinesAsync(OutputPath, cancellationToken);
        return (_process.ExitCode, lines.LastOrDefault(l => l.Length > 0) ?? string.Empty);
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        ProcessSignals.Terminate(_process.Id);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        await _pump;
        _process.Dispose();
    }

    private static async Task CopyAsync(Stream from, string path)
    {
        await using var to = File.Create(path);
        await from.CopyToAsync(to);
    }
}
