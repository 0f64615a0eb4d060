using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// <c>shoal bench nats</c> end to end on a tiny workload: it starts its own server, runs both sides and reports every
/// rate. A smoke test, not a benchmark: the ratios of a run this small are noise, so only their presence is checked.
/// </summary>
public sealed class NatsBenchCommandTests
{
    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Bench_nats_runs_shoal_and_the_raw_client_on_one_server_and_reports_each_rate()
    {
        // A child process, as users run it: the bench starts servers and connections of its own.
        var result = await VerbRunner.RunProcessAsync(["bench", "nats", "--events", "2000", "--rounds", "1", "--replicas", "1", "--json"], 120);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = result.Json();
        Assert.Equal(2000, report.GetProperty("events").GetInt32());
        var setups = report.GetProperty("results");
        Assert.Equal(1, setups.GetArrayLength());
        var r1 = setups[0];
        Assert.Equal("R1 (1 server)", r1.GetProperty("setup").GetString());
        foreach (var rate in new[] { "shoalPublishPerSecond", "rawPublishPerSecond", "shoalConsumePerSecond", "rawConsumeShoalStreamPerSecond", "rawConsumePerSecond" })
        {
            Assert.True(r1.GetProperty(rate).GetDouble() > 0, $"{rate} missing: {result}");
        }

        Assert.Equal(r1.GetProperty("shoalConsumePerSecond").GetDouble() / r1.GetProperty("rawConsumeShoalStreamPerSecond").GetDouble(), r1.GetProperty("consumeRatio").GetDouble(), 6);

        // The 12-partition publish comparison: every path measured, the baseline first and its own ratio 1.
        var partitioned = r1.GetProperty("partitioned");
        Assert.Equal(12, partitioned.GetProperty("partitions").GetInt32());
        var sides = partitioned.GetProperty("sides");
        Assert.Equal(7, sides.GetArrayLength());
        Assert.StartsWith("raw js.PublishAsync, sliding window", sides[0].GetProperty("name").GetString());
        Assert.Equal(1.0, sides[0].GetProperty("ratio").GetDouble(), 6);
        foreach (var side in sides.EnumerateArray())
        {
            Assert.True(side.GetProperty("perSecond").GetDouble() > 0, $"{side.GetProperty("name")} missing: {result}");
            Assert.True(side.GetProperty("allocatedBytesPerEvent").GetDouble() > 0, $"{side.GetProperty("name")} allocation missing: {result}");
        }
    }

    [Fact]
    public async Task Bench_nats_partitioned_only_without_partitions_is_refused_with_the_option_named()
    {
        var result = await VerbRunner.RunAsync(["bench", "nats", "--partitioned-only", "--partitions", "0"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--partitioned-only needs --partitions above 0", result.Err);
    }
}
