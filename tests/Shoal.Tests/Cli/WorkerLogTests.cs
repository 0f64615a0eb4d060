using Microsoft.Extensions.Logging;
using Shoal.Scenarios.Workload;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// <c>shoal worker --log-level</c>: a failure the worker retries is logged as one line with the exception's messages, not
/// a stack trace (an outsider read 28 stack traces in one worker's log during a NATS election; a stack trace reads as a
/// bug); the stack trace only at debug.
/// </summary>
public sealed class WorkerLogTests
{
    [Fact]
    public void A_warning_with_an_exception_is_one_line_of_messages_and_the_stack_trace_only_at_debug()
    {
        var failure = Thrown();
        var warning = new StringWriter();
        using (var factory = WorkerLog.Create(LogLevel.Warning, warning))
        {
            var logger = factory.CreateLogger("Shoal.Group.billing");
            logger.LogWarning(new EventId(1009), failure, "Group billing: commit of orders/0 failed; will retry");
            logger.LogInformation("not shown at warning");
            factory.CreateLogger("NATS.Client.Core.NatsConnection").LogError("the NATS client's own log stays off");
        }

        var line = Assert.Single(warning.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} warn: Shoal\.Group\.billing\[1009\] Group billing: commit of orders/0 failed; will retry Shoal\.EngineException: NATS KV: updating 'k' failed: No response ---> System\.TimeoutException: no answer\r?$", line);

        var debug = new StringWriter();
        using (var factory = WorkerLog.Create(LogLevel.Debug, debug))
        {
            factory.CreateLogger("Shoal.Group.billing").LogWarning(failure, "with the stack");
        }

        Assert.Contains("   at ", debug.ToString(), StringComparison.Ordinal);
    }

    private static EngineException Thrown()
    {
        try
        {
            throw new EngineException("NATS KV: updating 'k' failed: No response", new TimeoutException("no answer"), isTransient: true);
        }
        catch (EngineException e)
        {
            return e;
        }
    }
}
