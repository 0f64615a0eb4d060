using System.Text.Json;
using Shoal.Cli;
using Xunit;

namespace Shoal.Tests.Cli;

public sealed class ChaosCommandTests
{
    [Fact]
    public async Task Chaos_json_reports_runs_violations_and_failing_seeds_on_its_last_line()
    {
        var (exit, stdout, _) = await RunAsync("chaos", "--seeds", "1..3", "--json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
        Assert.Equal(3, json.RootElement.GetProperty("runs").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("violations").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("failingSeeds").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("eventsChecked").GetInt64() >= 3_000);
        Assert.True(json.RootElement.TryGetProperty("maxDuplicates", out _));
    }

    [Fact]
    public async Task Chaos_seed_trace_replays_one_seed_and_prints_its_trace()
    {
        var (exit, first, _) = await RunAsync("chaos", "--seed", "7", "--trace");
        var (_, second, _) = await RunAsync("chaos", "--seed", "7", "--trace");

        Assert.Equal(0, exit);
        Assert.Contains(" start p", first, StringComparison.Ordinal);
        Assert.Contains("seed 7: ok", first, StringComparison.Ordinal);
        Assert.Equal(first, second);
    }

    [Trait("Category", "Integration")]
    [Fact]
    public async Task A_seed_replays_to_the_same_trace_in_another_process()
    {
        // string hashing and HashCode are randomized per process: this catches any decision that depends on them.
        var first = await VerbRunner.RunProcessAsync("chaos", "--seed", "42", "--json");
        var second = await VerbRunner.RunProcessAsync("chaos", "--seed", "42", "--json");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Json().GetProperty("traceHash").GetString(), second.Json().GetProperty("traceHash").GetString());
        Assert.Equal(16, first.Json().GetProperty("traceHash").GetString()!.Length);
    }

    [Theory]
    [InlineData("--seeds", "5..1")]
    [InlineData("--seeds", "many")]
    [InlineData("--members", "0")]
    public async Task Bad_options_exit_2_naming_the_option(string option, string value)
    {
        var (exit, _, stderr) = await RunAsync("chaos", option, value);

        Assert.Equal(2, exit);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await ShoalCli.InvokeAsync(args, null, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
