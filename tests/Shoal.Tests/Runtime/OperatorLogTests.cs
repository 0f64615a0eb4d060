using Microsoft.Extensions.Logging;
using Shoal.Tests.Hosting;
using Xunit;

namespace Shoal.Tests.Runtime;

/// <summary>
/// What an operator reads in the log when handlers fail: one line per parked key (not one per event held behind it),
/// one per release, a retried failure without its stack trace (that is at Debug), and the failure that gives an
/// event up once, with its stack trace.
/// </summary>
public sealed class OperatorLogTests
{
    private const string Topic = "orders";
    private const int KeyParked = 1005;
    private const int KeyReleased = 1013;

    private static GroupOptions Group(RetryOptions retry, PoisonKeyPolicy policy = PoisonKeyPolicy.Park) => new()
    {
        Name = "g",
        Topic = Topic,
        Retry = retry,
        PoisonKeyPolicy = policy,
        CommitInterval = TimeSpan.FromHours(1),
        DrainTimeout = TimeSpan.Zero,
    };

    [Fact]
    public async Task A_parked_key_logs_one_line_when_parked_and_one_when_released_not_one_per_event_behind_it()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = logs.Factory();
        await using var engine = Runtimes.Engine();
        var handled = new Recorder();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            if (e.Sequence == 0)
            {
                throw new InvalidOperationException("the order has no customer");
            }

            handled.Record(e);
            return ValueTask.CompletedTask;
        });
        var options = Runtimes.Options(Topic, 2, Group(new RetryOptions { MaxAttempts = 1 }), handler) with { LoggerFactory = factory };
        await using var shoal = ShoalRuntime.Create(engine, options);
        await shoal.StartAsync();

        var batch = Enumerable.Range(0, 11).Select(s => new OutgoingEvent<Numbered>("bad", new Numbered("bad", s))).ToList();
        var published = await shoal.Publisher.PublishBatchAsync(Topic, batch);
        var poison = published[0];
        await Wait.UntilAsync(async () => await Runtimes.CountAsync(engine, "orders.g.dlq") == 11, "the poison event and the 10 behind it dead-lettered");
        await Wait.UntilAsync(() => shoal.GetProgress("g").Single(p => p.Partition == poison.Partition).Processed == poison.Offset + 11, "all 11 processed");

        var parked = Assert.Single(logs.Entries, e => e.EventId == KeyParked);
        Assert.Equal(LogLevel.Warning, parked.Level);
        Assert.Contains("key 'bad'", parked.Message, StringComparison.Ordinal);
        Assert.Contains($"{Topic}/{poison.Partition}", parked.Message, StringComparison.Ordinal);
        Assert.Contains(poison.Id, parked.Message, StringComparison.Ordinal);
        Assert.Contains(ShoalHeaders.Reasons.HandlerFailed, parked.Message, StringComparison.Ordinal);
        Assert.Contains("the order has no customer", parked.Message, StringComparison.Ordinal);

        // The 10 events held behind the parked key are in the dead-letter topic; the log does not list them one by one.
        foreach (var behind in published.Skip(1))
        {
            Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Information && e.Message.Contains(behind.Id, StringComparison.Ordinal));
        }

        var before = logs.Entries.Count(e => e.Level >= LogLevel.Information);
        Assert.True(await shoal.ReleaseParkedKeyAsync("g", "bad"));
        var released = Assert.Single(logs.Entries, e => e.EventId == KeyReleased);
        Assert.Contains("released;", released.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Information, released.Level);
        Assert.Contains("key 'bad'", released.Message, StringComparison.Ordinal);
        Assert.Contains($"{Topic}/{poison.Partition}", released.Message, StringComparison.Ordinal);
        Assert.Equal(before + 1, logs.Entries.Count(e => e.Level >= LogLevel.Information));

        // Releasing a key that is not parked logs nothing.
        Assert.False(await shoal.ReleaseParkedKeyAsync("g", "bad"));
        Assert.Equal(before + 1, logs.Entries.Count(e => e.Level >= LogLevel.Information));

        await shoal.Publisher.PublishAsync(Topic, "bad", new Numbered("bad", 11));
        await Wait.UntilAsync(() => handled.Count == 1, "the released key's next event handled");
        Assert.Equal(before + 1, logs.Entries.Count(e => e.Level >= LogLevel.Information));
    }

    [Fact]
    public async Task A_failure_that_will_be_retried_logs_one_warning_without_the_stack_trace_which_is_at_debug()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = logs.Factory();
        await using var engine = Runtimes.Engine();
        var handled = 0;
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            if (ctx.Attempt < 3)
            {
                throw new InvalidOperationException($"the stock service timed out (attempt {ctx.Attempt})");
            }

            Interlocked.Increment(ref handled);
            return ValueTask.CompletedTask;
        });
        var retry = new RetryOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(1), Jitter = 0 };
        var options = Runtimes.Options(Topic, 1, Group(retry), handler) with { LoggerFactory = factory };
        await using var shoal = ShoalRuntime.Create(engine, options);
        await shoal.StartAsync();
        var published = await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 1));
        await Wait.UntilAsync(() => Volatile.Read(ref handled) == 1, "handled on the third attempt");

        var warnings = logs.Entries.Where(e => e.Level >= LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
        Assert.All(warnings, w => Assert.Null(w.Exception));
        Assert.All(warnings, w => Assert.Contains(published.Id, w.Message, StringComparison.Ordinal));
        Assert.Contains("attempt 1 of 3", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("the stock service timed out (attempt 1)", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("attempt 2 of 3", warnings[1].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(warnings, w => w.Message.Contains(" at ", StringComparison.Ordinal) && w.Message.Contains('\n', StringComparison.Ordinal));

        // The stack traces are there for whoever turns Debug on.
        var details = logs.Entries.Where(e => e.Exception is not null).ToList();
        Assert.Equal(2, details.Count);
        Assert.All(details, d => Assert.Equal(LogLevel.Debug, d.Level));
        Assert.All(details, d => Assert.NotNull(d.Exception!.StackTrace));
    }

    [Fact]
    public async Task The_failure_that_dead_letters_an_event_logs_it_once_with_the_stack_trace()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = logs.Factory();
        await using var engine = Runtimes.Engine();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) => throw new InvalidOperationException($"always fails (attempt {ctx.Attempt})"));
        var retry = new RetryOptions { MaxAttempts = 2, InitialBackoff = TimeSpan.FromMilliseconds(1), Jitter = 0 };
        var options = Runtimes.Options(Topic, 1, Group(retry, PoisonKeyPolicy.Skip), handler) with { LoggerFactory = factory };
        await using var shoal = ShoalRuntime.Create(engine, options);
        await shoal.StartAsync();
        var published = await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 1));
        await Wait.UntilAsync(async () => await Runtimes.CountAsync(engine, "orders.g.dlq") == 1, "dead-lettered");
        await Wait.UntilAsync(() => logs.Entries.Any(e => e.Level == LogLevel.Error), "the final failure logged");

        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Null(warning.Exception);
        Assert.Contains("attempt 1 of 2", warning.Message, StringComparison.Ordinal);

        var error = Assert.Single(logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Contains(published.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains("orders.g.dlq", error.Message, StringComparison.Ordinal);
        Assert.Contains(ShoalHeaders.Reasons.HandlerFailed, error.Message, StringComparison.Ordinal);
        Assert.Contains("2 attempt", error.Message, StringComparison.Ordinal);
        var exception = Assert.IsType<InvalidOperationException>(error.Exception);
        Assert.Equal("always fails (attempt 2)", exception.Message);
        Assert.NotNull(exception.StackTrace);

        // Once: the last attempt's stack trace is in the error alone, not also at Debug.
        Assert.Single(logs.Entries, e => ReferenceEquals(e.Exception, exception));
        Assert.Equal(2, logs.Entries.Count(e => e.Exception is not null));
    }
}
