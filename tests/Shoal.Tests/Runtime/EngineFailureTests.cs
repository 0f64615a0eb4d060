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

    private sealed class FailingReadsEngine(IShoalEngine inner, int failures) : IShoalEngine, IEventLog
    {
        private int _failuresLeft = failures;

        public int FailuresLeft => Volatile.Read(ref _failuresLeft);

        public string Name => inner.Name;

        public IEventLog Log => this;

        public ICoordinationStore Coordination => inner.Coordination;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public ValueTask<TopicDescription> CreateTopicAsync(TopicOptions topic, CancellationToken cancellationToken = default) =>
            inner.Log.CreateTopicAsync(topic, cancellationToken);

        public ValueTask<TopicDescription?> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default) =>
            inner.Log.DescribeTopicAsync(topic, cancellationToken);

        public ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
            inner.Log.ListTopicsAsync(cancellationToken);

        public ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default) =>
            inner.Log.AppendAsync(topic, partition, events, results, cancellationToken);

        public ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default)
        {
            if (topic == "flaky" && Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new EngineException("simulated: the engine is unreachable");
            }

            Interlocked.Exchange(ref _failuresLeft, 0);
            return inner.Log.ReadAsync(topic, partition, fromOffset, destination, cancellationToken);
        }

        public ValueTask<PartitionOffsets> GetOffsetsAsync(string topic, int partition, CancellationToken cancellationToken = default) =>
            inner.Log.GetOffsetsAsync(topic, partition, cancellationToken);
    }
}
