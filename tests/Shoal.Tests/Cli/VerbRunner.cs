using System.Diagnostics;
using System.Text.Json;
using Shoal.Cli;
using Shoal.Hosting.Processes;
using Shoal.Scenarios;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>Runs <c>shoal</c> verbs in this process, as a user would from a shell, and reads their output.</summary>
internal static class VerbRunner
{
    /// <summary>A fresh named in-process engine URI: every verb run with it in this process shares one engine.</summary>
    public static string NewEngine() => "inproc://verbs-" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<VerbResult> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var synchronizedOut = TextWriter.Synchronized(output);
        var synchronizedError = TextWriter.Synchronized(error);
        var exitCode = await ShoalCli.InvokeAsync(args, null, synchronizedOut, synchronizedError, cancellationToken);
        return new VerbResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Starts a worker that runs until <paramref name="stop"/> is cancelled.</summary>
    public static Task<VerbResult> StartWorker(string engine, string topic, string group, string member, CancellationToken stop, string handler = "verify") =>
        RunAsync(
            ["worker", "--engine", engine, "--topic", topic, "--group", group, "--handler", handler, "--member-id", member,
             "--heartbeat", "200ms", "--session-ttl", "2s", "--json"],
            stop);

    /// <summary>The built <c>shoal</c> (the <c>shoal.dll</c> beside the tests) under <c>dotnet</c>: the one that runs the tests when known.</summary>
    public static ShoalLauncher BuiltShoal { get; } =
        new(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [Path.Combine(AppContext.BaseDirectory, "shoal.dll")]);

    /// <summary>Starts the built <c>shoal</c> as a real child process; dispose it to kill it if it still runs.</summary>
    public static ChildProcess StartProcess(string name, params string[] args) => BuiltShoal.Start(name, args);

    /// <summary>Whether process <paramref name="pid"/> still runs (a child, or one it started).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Runs the built <c>shoal</c> as a real child process (killed after 60 s) and reads its output.</summary>
    public static Task<VerbResult> RunProcessAsync(params string[] args) => RunProcessAsync(args, 60);

    /// <summary>Runs the built <c>shoal</c> as a real child process (killed after <paramref name="timeoutSeconds"/>) and reads its output.</summary>
    public static async Task<VerbResult> RunProcessAsync(string[] args, int timeoutSeconds)
    {
        await using var process = StartProcess("shoal " + args.FirstOrDefault(), args);
        if (!await process.WaitForExitAsync(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            throw new TimeoutException($"shoal {string.Join(' ', args)} did not finish within {timeoutSeconds} s.\n{process}");
        }

        return new VerbResult(process.ExitCode, process.Out, process.Err);
    }
}

internal sealed record VerbResult(int ExitCode, string Out, string Err)
{
    /// <summary>The last line of stdout, parsed (the <c>--json</c> result).</summary>
    /// <summary>
    /// A bad option was refused as usage error (exit 2) with exactly one <c>error:</c> line containing
    /// <paramref name="expected"/>, pointing to <c>shoal <paramref name="command"/> --help</c>, and no stack trace. Returns that line.
    /// </summary>
    public string AssertOneUsageError(string expected, string command)
    {
        Assert.Equal(2, ExitCode);
        var errors = Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, ToString());
        Assert.Contains(expected, errors[0], StringComparison.Ordinal);
        Assert.Contains($"Run 'shoal {command} --help' for usage.", Err, StringComparison.Ordinal); // the whole command path
        Assert.DoesNotContain("System.", Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Err, StringComparison.Ordinal);
        return errors[0];
    }

    public JsonElement Json()
    {
        var last = Out.TrimEnd('\n', '\r').Split('\n')[^1];
        using var document = JsonDocument.Parse(last);
        return document.RootElement.Clone();
    }

    public long Long(string name) => Json().GetProperty(name).GetInt64();

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Err}";
}
