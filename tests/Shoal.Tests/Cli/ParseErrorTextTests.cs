using Shoal.Cli;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// A command line that does not parse is refused with exit 2 and <c>error:</c> lines in the CLI's words: the option as
/// written and what kind of value it takes (never a .NET type name), one line for an unknown command.
/// </summary>
public sealed class ParseErrorTextTests
{
    [Theory]
    [InlineData("--events: 'abc' is not a whole number.", "produce", "--topic", "t", "--keys", "2", "--events", "abc")]
    [InlineData("--partitions: '1.5' is not a whole number.", "produce", "--topic", "t", "--keys", "2", "--events", "1", "--partitions", "1.5")]
    [InlineData("--nodes: '1e3' is not a whole number.", "demo", "--nodes", "1e3")]
    [InlineData("--events: '99999999999999999999' is too large; the most is 9223372036854775807.", "produce", "--topic", "t", "--keys", "2", "--events", "99999999999999999999")]
    [InlineData("--nodes: '3000000000' is too large; the most is 2147483647.", "demo", "--nodes", "3000000000")]
    [InlineData("--events: needs a value.", "produce", "--topic", "t", "--keys", "2", "--events")]
    [InlineData("--topic is required.", "produce", "--keys", "2", "--events", "1")]
    [InlineData("unknown option '--serializer'.", "produce", "--topic", "t", "--keys", "2", "--events", "1", "--serializer", "yaml")]
    [InlineData("unexpected argument 'maybe'.", "demo", "--json", "maybe")]
    [InlineData("unknown command 'frobnicate'; use demo, chaos, produce,", "frobnicate")]
    [InlineData("unknown option '--frob'.", "--frob")]
    [InlineData("unknown command 'nope'; use nats, scaling, latency, keys, failover.", "bench", "nope")]
    [InlineData("'shoal bench' needs a command: nats, scaling, latency, keys, failover.", "bench")]
    public async Task A_bad_command_line_names_what_is_wrong_in_the_cli_s_words(string message, params string[] args)
    {
        var result = await RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        var errors = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(errors, l => l.StartsWith("error: " + message, StringComparison.Ordinal));
        Assert.DoesNotContain("System.", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized command or argument", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate", "x", "y")]
    [InlineData("bench", "nope", "extra")]
    public async Task An_unknown_command_is_one_error_line(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Err.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
    }

    private static async Task<VerbResult> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ShoalCli.InvokeAsync(args, new Shoal.Scenarios.Demo.DemoRunner(), output, error);
        return new VerbResult(exitCode, output.ToString(), error.ToString());
    }
}
