using System.Text.Json;
using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Demo;
using Xunit;

namespace Shoal.Tests.Cli;

public sealed class DemoReportTests
{
    [Theory]
    [InlineData(0, 0, 0, 0)]
    [InlineData(0, 0, 5, 0)]
    [InlineData(1, 0, 0, 1)]
    [InlineData(0, 1, 0, 1)]
    [InlineData(2, 3, 1, 1)]
    public void ExitCode_is_nonzero_when_events_were_lost_or_reordered(long lost, long violations, long duplicates, int expected)
    {
        var report = new DemoReport { Lost = lost, OrderViolations = violations, Duplicates = duplicates };
        Assert.Equal(expected, report.ExitCode());
    }

    [Fact]
    public void Json_has_exactly_the_documented_camelCase_names()
    {
        var report = new DemoReport { Produced = 10, Processed = 10, EventsPerSecond = 5, ElapsedMs = 2_000, Partitions = 12, Keys = 3, Nodes = 1 };

        var json = JsonSerializer.Serialize(report, CliJsonContext.Default.DemoReport);

        using var document = JsonDocument.Parse(json);
        var names = document.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(
            ["produced", "processed", "lost", "duplicates", "orderViolations", "eventsPerSecond", "elapsedMs", "peakMemoryMb", "partitions", "keys", "nodes", "zombieCommitsRejected", "zombieCommitsAccepted", "failoverMs", "rebalancePauseMs", "rebalancePauseGcMs", "steadyPauseMs", "steadyPauseGcMs", "assignment"],
            names);
        Assert.DoesNotContain('\n', json);
    }
}
