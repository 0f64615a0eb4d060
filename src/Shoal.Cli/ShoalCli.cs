using System.CommandLine;
using Shoal.Cli.Autoscaling;
using Shoal.Cli.Demo;
using Shoal.Cli.Infrastructure;
using Shoal.Cli.Verbs;
using Shoal.Hosting.Processes;
using Shoal.Scenarios.Demo;

namespace Shoal.Cli;

/// <summary>The <c>shoal</c> command line: builds the command tree and runs it with the shared conventions.</summary>
internal static class ShoalCli
{
    /// <summary>How long a verb may take to wind down after Ctrl+C / SIGTERM before the process is ended anyway.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(40);

    public static RootCommand CreateRootCommand(IDemoRunner? demoRunner = null) =>
        new("shoal — horizontally scalable, key-ordered event processing for .NET. Run 'shoal demo' to see it work.")
        {
            DemoCommand.Create(demoRunner),
            Chaos.ChaosCommand.Create(),
            ProduceCommand.Create(),
            WorkerCommand.Create(),
            VerifyCommand.Create(),
            StatusCommand.Create(),
            AutoscaleSimCommand.Create(),
            Nats.DevClusterCommand.Create(),
            Bench.BenchCommand.Create(),
            Serve.ServeCommand.Create(),
            Supervise.SuperviseCommand.Create(),
        };

    /// <summary>
    /// Parses and runs <paramref name="args"/>. Parse errors (unknown options, bad or out-of-range values) go
    /// to stderr and exit 2 without running anything.
    /// </summary>
    public static Task<int> InvokeAsync(
        string[] args,
        IDemoRunner? demoRunner = null,
        TextWriter? output = null,
        TextWriter? error = null,
        CancellationToken cancellationToken = default)
    {
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            // Ctrl+C / SIGTERM are ours (InvokeUntilStoppedAsync), not System.CommandLine's: its handler ends the process
            // with 143 at once when the signal comes before the verb's first real await has returned to it, and a verb
            // such as serve can print its start line before that.
            ProcessTerminationTimeout = null,
        };
        var parseResult = CreateRootCommand(demoRunner).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var line in ParseErrorText.Describe(parseResult))
            {
                configuration.Error.WriteLine($"error: {line}");
            }

            // The whole command path: 'shoal bench latency --help', not 'shoal latency --help'.
            configuration.Error.WriteLine($"Run '{ParseErrorText.Path(parseResult.CommandResult)} --help' for usage.");
            return Task.FromResult(ExitCodes.BadArguments);
        }

        return InvokeUntilStoppedAsync(parseResult, configuration, cancellationToken);
    }

    /// <summary>
    /// Runs the verb with a token that Ctrl+C / SIGTERM (listened for before the verb starts) or
    /// <paramref name="cancellationToken"/> cancel. After a signal the verb winds down (a worker hands its partitions
    /// over, waiting for its running handler calls for up to the group's 30 s drain timeout); one that has not ended
    /// within <see cref="ShutdownGrace"/> is left, and the process ends with <see cref="ExitCodes.Terminated"/>.
    /// </summary>
    private static async Task<int> InvokeUntilStoppedAsync(ParseResult parseResult, InvocationConfiguration configuration, CancellationToken cancellationToken)
    {
        using var signals = StopSignals.Listen(cancellationToken);
        var verb = parseResult.InvokeAsync(configuration, signals.Token);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (signals.Token.Register(() => stopped.TrySetResult()))
        {
            await Task.WhenAny(verb, stopped.Task);
        }

        if (!verb.IsCompleted && !cancellationToken.IsCancellationRequested)
        {
            using var ended = new CancellationTokenSource();
            var grace = Task.Delay(ShutdownGrace, ended.Token);
            await Task.WhenAny(verb, grace);
            await ended.CancelAsync();
            if (!verb.IsCompleted)
            {
                await configuration.Error.WriteLineAsync($"shoal: still stopping {ShutdownGrace.TotalSeconds:0} s after the stop signal; ending without waiting further.");
                return ExitCodes.Terminated;
            }
        }

        return await verb;
    }
}
