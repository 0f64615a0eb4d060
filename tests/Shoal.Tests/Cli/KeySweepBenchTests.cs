using Shoal.Scenarios.Bench;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// <c>shoal bench keys</c> (Parallel Consumer's key sweep) on a private in-process engine with a few hundred events:
/// that each mode handles every event once in per-key order, that the handler's record would catch it otherwise, and
/// that the random work is the same for the same seed. Not the timings.
/// </summary>
public sealed class KeySweepBenchTests
{
    [Fact]
    public async Task Bench_keys_handles_every_event_once_in_key_order_in_each_mode()
    {
        var result = await VerbRunner.RunAsync(
            ["bench", "keys", "--engine", VerbRunner.NewEngine(), "--events", "200", "--keys", "1,10", "--concurrency", "8", "--max-work-ms", "1", "--json"],
            TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = result.Json();
        Assert.Equal(200, report.GetProperty("events").GetInt32());
        var baseline = report.GetProperty("baseline");
        Assert.Equal("partition", baseline.GetProperty("order").GetString());
        Assert.Equal(1, baseline.GetProperty("concurrency").GetInt32());
        AssertHandledInOrder(baseline, maxAtOnce: 1, result);

        var lines = report.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([1, 10], lines.Select(l => l.GetProperty("keys").GetInt32()));
        foreach (var line in lines)
        {
            Assert.Equal("key", line.GetProperty("order").GetString());
            AssertHandledInOrder(line, maxAtOnce: Math.Min(8, line.GetProperty("keys").GetInt32()), result);
        }
    }

    [Fact]
    public void The_handler_record_counts_an_event_started_before_an_earlier_one_of_its_key_ended_or_after_a_later_one()
    {
        var record = new KeySweepBench.HandlerRecord(events: 4, keys: 2);
        record.Started(1, key: 1);
        record.Started(3, key: 1); // event 1 of key 1 still running: an overlap
        record.Ended(1);
        record.Ended(1);
        record.Started(2, key: 0);
        record.Ended(0);
        record.Started(0, key: 0); // after event 2 of the same key: out of order
        record.Ended(0);
        record.Started(0, key: 0); // again: a duplicate (and not later than itself)
        record.Ended(0);

        Assert.Equal(4, record.Handled);
        Assert.Equal(1, record.Overlaps);
        Assert.Equal(1, record.OrderViolations);
        Assert.Equal(1, record.Duplicates);
        Assert.Equal(2, record.PeakConcurrency);
        Assert.True(record.AllEnded.IsCompleted);
    }

    [Fact]
    public void The_work_is_the_same_for_the_same_seed_and_spans_zero_to_the_maximum()
    {
        var settings = new KeySweepBenchSettings("inproc://", 10_000, [1], 100, TimeSpan.FromMilliseconds(5));

        var work = KeySweepBench.Work(settings);

        Assert.Equal(work, KeySweepBench.Work(settings));
        Assert.NotEqual(work, KeySweepBench.Work(settings with { Seed = settings.Seed + 1 }));
        Assert.All(work, w => Assert.InRange(w, TimeSpan.Zero, TimeSpan.FromMilliseconds(5)));
        Assert.InRange(work.Average(w => w.TotalMilliseconds), 2.4, 2.6);
    }

    [Theory]
    [InlineData("--keys", "0", "--keys: '0' is not a key count")]
    [InlineData("--keys", "10,x", "--keys: 'x' is not a key count")]
    [InlineData("--events", "0", "--events: must be between 1")]
    [InlineData("--concurrency", "0", "--concurrency: must be between 1")]
    [InlineData("--max-work-ms", "-1", "--max-work-ms: must be between 0")]
    [InlineData("--seed", "lucky", "--seed")]
    [InlineData("--engine", "carrier-pigeon://x", "--engine:")]
    public async Task Bench_keys_refuses_a_bad_option_with_one_error_naming_it(string option, string value, string expected)
    {
        var result = await VerbRunner.RunAsync(["bench", "keys", option, value], TestContext.Current.CancellationToken);

        var error = result.AssertOneUsageError(expected, "bench keys");
        Assert.DoesNotContain($"{option}: {option}:", error, StringComparison.Ordinal);
    }

    private static void AssertHandledInOrder(System.Text.Json.JsonElement line, int maxAtOnce, VerbResult result)
    {
        Assert.True(line.GetProperty("handled").GetInt64() == 200, result.ToString());
        Assert.Equal(0, line.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, line.GetProperty("orderViolations").GetInt64());
        Assert.Equal(0, line.GetProperty("overlaps").GetInt64());
        Assert.InRange(line.GetProperty("peakConcurrency").GetInt32(), 1, maxAtOnce);
        Assert.True(line.GetProperty("seconds").GetDouble() > 0, result.ToString());
    }
}
