using System.CommandLine;
using Shoal.Cli.Demo;
using Shoal.Cli.Infrastructure;

namespace Shoal.Cli;

/// <summary>The <c>shoal</c> command line: builds the command tree and runs it with the shared conventions.</summary>
internal static class ShoalCli
{
    public static RootCommand CreateRootCommand(IDemoRunner? demoRunner = null) =>
        new("shoal — horizontally scalable, key-ordered event processing for .NET. Run 'shoal demo' to see it work.")
        {
            DemoCommand.Create(demoRunner),
            Serve.ServeCommand.Create(),
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
        };
        var parseResult = CreateRootCommand(demoRunner).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                configuration.Error.WriteLine($"error: {parseError.Message}");
            }

            var verb = parseResult.CommandResult.Command;
            var help = verb is RootCommand ? "shoal --help" : $"shoal {verb.Name} --help";
            configuration.Error.WriteLine($"Run '{help}' for usage.");
            return Task.FromResult(ExitCodes.BadArguments);
        }

        return parseResult.InvokeAsync(configuration, cancellationToken);
    }
}
