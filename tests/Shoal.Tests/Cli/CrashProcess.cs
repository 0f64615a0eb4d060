using System.Diagnostics;
using System.Text;

namespace Shoal.Tests.Cli;

/// <summary>A <c>shoal</c> child process (the built <c>shoal.dll</c> under <c>dotnet</c>), its output collected; killed on dispose if still running.</summary>
internal sealed class CrashProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    private CrashProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_out, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_err, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public static CrashProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "shoal.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new CrashProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start shoal"));
    }

    /// <summary>Runs a verb to its end (at most 60 s) and returns its exit code and output.</summary>
    public static async Task<VerbResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process._process.WaitForExitAsync(timeout.Token);
        return new VerbResult(process._process.ExitCode, process.Text(process._out), process.Text(process._err));
    }

    /// <summary>SIGKILL: no hand-over, no flush, no commit.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGTERM and wait for the process to wind down (a worker hands its partitions over).</summary>
    public async Task StopAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>What the process wrote so far.</summary>
    public string Output() => $"stdout: {Snapshot(_out)}\nstderr: {Snapshot(_err)}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is not null)
        {
            lock (builder)
            {
                builder.AppendLine(line);
            }
        }
    }

    /// <summary>Everything the exited process wrote (WaitForExit also waits for the output to be read to its end).</summary>
    private string Text(StringBuilder builder)
    {
        _process.WaitForExit();
        return Snapshot(builder);
    }

    private static string Snapshot(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
