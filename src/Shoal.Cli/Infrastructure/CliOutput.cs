using System.CommandLine;
using System.Text.Json.Serialization.Metadata;

namespace Shoal.Cli.Infrastructure;

/// <summary>
/// Output conventions shared by every verb: with <c>--json</c>, exactly one JSON object is the last line of
/// stdout; otherwise human text. Errors go to stderr (no stack traces for expected errors) with a non-zero exit code.
/// </summary>
internal sealed class CliOutput
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    public CliOutput(TextWriter output, TextWriter error, bool json)
    {
        _output = output;
        _error = error;
        Json = json;
    }

    /// <summary>True when <c>--json</c> was given.</summary>
    public bool Json { get; }

    /// <summary>
    /// True when stdout is the process's own console, a terminal, and output is for humans:
    /// then tables and progress bars are drawn; otherwise plain lines.
    /// </summary>
    public bool IsInteractive => !Json && !Console.IsOutputRedirected && ReferenceEquals(_output, Console.Out);

    public TextWriter Out => _output;

    /// <summary>Stderr: errors, warnings, and lines about waiting and retrying.</summary>
    public TextWriter Error => _error;

    /// <summary>The <c>--json</c> option every verb carries.</summary>
    public static Option<bool> CreateJsonOption() => new("--json")
    {
        Description = "Print one JSON object as the last line of stdout instead of human output",
    };

    public static CliOutput For(ParseResult parseResult, Option<bool> jsonOption)
    {
        var configuration = parseResult.InvocationConfiguration;
        return new CliOutput(configuration.Output, configuration.Error, parseResult.GetValue(jsonOption));
    }

    public void Line(string text) => _output.WriteLine(text);

    /// <summary>Writes <paramref name="value"/> as one line of JSON (the verb's last line of stdout).</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo) =>
        _output.WriteLine(System.Text.Json.JsonSerializer.Serialize(value, typeInfo));

    /// <summary>Writes <c>error: message</c> to stderr and returns <paramref name="exitCode"/>.</summary>
    public int Fail(string message, int exitCode = ExitCodes.Failed)
    {
        _error.WriteLine($"error: {message}");
        return exitCode;
    }

    /// <summary>
    /// Runs a verb's body, turning expected failures into a message on stderr and an exit code:
    /// configuration errors exit 2, other Shoal errors 1, cancellation 130. Anything else is a bug and propagates.
    /// </summary>
    public async Task<int> RunAsync(Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body();
        }
        catch (ShoalConfigurationException ex)
        {
            return Fail(CliOptionNames.Message(ex), ExitCodes.BadArguments);
        }
        catch (ShoalException ex)
        {
            return Fail(ex.Message, ExitCodes.Failed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail("cancelled.", ExitCodes.Cancelled);
        }
    }
}
