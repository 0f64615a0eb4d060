using Shoal.Cli.Engines;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// Where a verb's engine URI comes from (<c>--engine</c>, <c>--engine-file</c>, <c>SHOAL_ENGINE</c>,
/// <c>SHOAL_ENGINE_FILE</c>), and that a secret given where other users can read it draws a warning that never quotes it.
/// The environment is a dictionary here, so these tests do not touch the test process's own.
/// </summary>
public sealed class EngineOptionTests : IDisposable
{
    private const string Secret = "s3cret-Value";
    private readonly string _directory = Directory.CreateTempSubdirectory("shoal-engine-option-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Without_any_source_the_engine_is_in_process()
    {
        var source = Option().Resolve(null, null);

        Assert.Equal(EngineUris.InProcess, source.Uri);
        Assert.Null(source.Problem);
        Assert.Null(source.Warning);
    }

    [Fact]
    public void SHOAL_ENGINE_is_used_when_no_option_names_the_engine()
    {
        var source = Option((EngineOption.Variable, $"nats://127.0.0.1:4222?token={Secret}")).Resolve(null, null);

        Assert.Equal($"nats://127.0.0.1:4222?token={Secret}", source.Uri);
        Assert.Null(source.Problem);
        Assert.Null(source.Warning);
    }

    [Fact]
    public void An_engine_on_the_command_line_wins_over_the_environment()
    {
        var option = Option((EngineOption.Variable, "nats://10.0.0.1:4222"), (EngineOption.FileVariable, "/no/such/file"));

        Assert.Equal("nats://127.0.0.1:4222", option.Resolve("nats://127.0.0.1:4222", null).Uri);
        Assert.Equal("nats://127.0.0.1:4223", option.Resolve(null, Write("nats://127.0.0.1:4223", UnixFileMode.UserRead)).Uri);
    }

    [Theory]
    [InlineData("nats://u:" + Secret + "@127.0.0.1:4222")]
    [InlineData("nats://127.0.0.1:4222?TOKEN=" + Secret + "&replicas=1")]
    [InlineData("nats://127.0.0.1:4222?token=" + Secret)]
    public void A_secret_on_the_command_line_draws_a_warning_naming_the_variable_but_not_the_secret(string uri)
    {
        var source = Option().Resolve(uri, null);

        Assert.Equal(uri, source.Uri);
        Assert.Null(source.Problem);
        Assert.NotNull(source.Warning);
        Assert.Contains(EngineOption.Variable, source.Warning, StringComparison.Ordinal);
        Assert.Contains(EngineOption.FileOptionName, source.Warning, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, source.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public void A_uri_without_a_secret_on_the_command_line_draws_no_warning() =>
        Assert.Null(Option().Resolve("nats://127.0.0.1:4222?replicas=3", null).Warning);

    [Fact]
    public void An_engine_file_holds_the_uri_on_its_first_line_that_is_not_a_comment()
    {
        var path = Write($"# the NATS cluster\n\nnats://127.0.0.1:4222?token={Secret}\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var fromOption = Option().Resolve(null, path);
        var fromVariable = Option((EngineOption.FileVariable, path)).Resolve(null, null);

        Assert.Equal($"nats://127.0.0.1:4222?token={Secret}", fromOption.Uri);
        Assert.Null(fromOption.Warning);
        Assert.Equal(fromOption.Uri, fromVariable.Uri);
        Assert.Null(fromVariable.Warning);
    }

    [Fact]
    public void An_engine_file_others_can_read_draws_a_warning_saying_chmod_600()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no Unix file modes
        }

        var path = Write($"nats://127.0.0.1:4222?token={Secret}", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var source = Option().Resolve(null, path);

        Assert.Null(source.Problem);
        Assert.Contains("chmod 600", source.Warning, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, source.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_sources_at_the_same_level_are_an_error()
    {
        var path = Write("nats://127.0.0.1:4222", UnixFileMode.UserRead);

        Assert.Contains("not both", Option().Resolve("nats://127.0.0.1:4222", path).Problem, StringComparison.Ordinal);
        Assert.Contains("both set", Option((EngineOption.Variable, "nats://127.0.0.1:4222"), (EngineOption.FileVariable, path)).Resolve(null, null).Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EngineOption.Variable, "nats://127.0.0.1:4222?tokn=" + Secret)]
    [InlineData(EngineOption.Variable, "nats://u:" + Secret + "@127.0.0.1:99999")]
    [InlineData(EngineOption.Variable, "redis://u:" + Secret + "@h:1")]
    [InlineData(EngineOption.FileVariable, "nats://127.0.0.1:4222?storage=tape&token=" + Secret)]
    [InlineData(EngineOption.FileVariable, "# only a comment " + Secret)]
    public void A_bad_uri_from_the_environment_or_a_file_names_its_source_and_never_the_secret(string variable, string text)
    {
        var value = variable == EngineOption.FileVariable ? Write(text, UnixFileMode.UserRead) : text;

        var source = Option((variable, value)).Resolve(null, null);

        Assert.NotNull(source.Problem);
        Assert.StartsWith(variable, source.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, source.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_engine_file_is_an_error_naming_it() =>
        Assert.StartsWith("--engine-file: cannot read '/no/such/shoal.engine'", Option().Resolve(null, "/no/such/shoal.engine").Problem, StringComparison.Ordinal);

    [Fact]
    public async Task A_verb_given_a_bad_uri_with_a_secret_exits_2_and_never_prints_the_secret()
    {
        var result = await VerbRunner.RunAsync(["status", "--engine", $"nats://127.0.0.1:4222?storage=tape&tokn={Secret}"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--engine: 'nats://127.0.0.1:4222?storage=tape&tokn=***'", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.Out + result.Err, StringComparison.Ordinal);
    }

    private static EngineOption Option(params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return new EngineOption(environment: name => environment.GetValueOrDefault(name));
    }

    private string Write(string text, UnixFileMode mode)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".engine");
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }

        return path;
    }
}
