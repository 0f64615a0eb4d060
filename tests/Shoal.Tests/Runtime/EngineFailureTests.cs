using Shoal.Engine;
using Xunit;

namespace Shoal.Tests.Runtime;

public sealed class EngineFailureTests
{
    [Fact]
    public async Task A_partition_whose_reads_fail_keeps_going_once_the_engine_recovers()
    {
        await using var inner = Runtimes.Engine();
        var engine = new FailingReadsEngine(inner, failures: 3);
        var recorder = new Recorder();
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            recorder.Record(e);
            return ValueTask.CompletedTask;
        });
        var group = new GroupOptions { Name = "g", Topic = "flaky" };
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options("flaky", 1, group, handler));
        await shoal.StartAsync();

        for (var i = 0; i < 5; i++)
        {
            await shoal.Publisher.PublishAsync("flaky", "k", new Numbered("k", i));
        }

        // Three reads throw; the retry backoff (200 ms doubling, ±20 %) brings the partition back.
        await Wait.UntilAsync(() => recorder.Count == 5, "events handled after the engine recovered", seconds: 20);
        Assert.Equal(Enumerable.Range(0, 5), recorder.Of("k"));
        Assert.Equal(0, engine.FailuresLeft);
    }

    private sealed class FailingReadsEngine(IShoalEngine inner, int failures) : ForwardingEngine(inner)
    {
        private int _failuresLeft = failures;

        public int FailuresLeft => Volatile.Read(ref _failuresLeft);

        public override ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default)
        {
            if (topic == "flaky" && Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new EngineException("simulated: the engine is unreachable");
            }

            Interlocked.Exchange(ref _failuresLeft, 0);
            return base.ReadAsync(topic, partition, fromOffset, destination, cancellationToken);
        }
    }
}
