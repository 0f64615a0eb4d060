using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Shoal.Benchmarks.EndToEnd;
using Shoal.Engines.InProcess;
using Shoal.Partitioning;
using Shoal.Serialization;

namespace Shoal.Benchmarks.Publishing;

/// <summary>
/// The cost of one awaited publish on the in-process engine, with nobody reading: N events published one call each
/// (<see cref="IEventPublisher.PublishAsync{TEvent}"/>, awaited before the next) and in batches of 1,000, against a raw
/// baseline in the same run that does the same serialization and partitioning and awaits a write of the bytes to one of
/// 12 unbounded channels per event. It tells the publish call's own fixed cost apart from the consumer's: the MassTransit
/// comparison's "awaited" case (docs/benchmarks.md) is bounded by it.
/// </summary>
[MemoryDiagnoser]
public class AwaitedPublishBenchmarks
{
    private const int Events = 100_000;
    private const int Keys = 1_000;
    private const int Partitions = 12;
    private const int Batch = 1_000;

    private string[] _keys = [];
    private EventSerializers _serializers = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keys = E2EWorkload.KeyNames(Keys);
        _serializers = E2EWorkload.Serializers();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "Raw: JSON + partition + awaited channel write, per event (baseline)")]
    public async Task<int> Raw()
    {
        var json = _serializers.Get(SerializationFormat.Json);
        var channels = new Channel<byte[]>[Partitions];
        for (var p = 0; p < Partitions; p++)
        {
            channels[p] = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        for (var n = 0; n < Events; n++)
        {
            var key = n % Keys;
            buffer.ResetWrittenCount();
            json.Serialize(buffer, new E2EEvent { Key = key, Sequence = n / Keys });
            await channels[KeyHasher.PartitionFor(_keys[key], Partitions)].Writer.WriteAsync(buffer.WrittenSpan.ToArray());
        }

        return channels.Sum(c => c.Reader.Count);
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Shoal: PublishAsync, one event per awaited call")]
    public async Task<long> ShoalAwaited()
    {
        await using var engine = InProcessEngine.Create();
        await using var shoal = await StartAsync(engine);
        for (var n = 0; n < Events; n++)
        {
            var key = n % Keys;
            await shoal.Publisher.PublishAsync("publish", new OutgoingEvent<E2EEvent>(_keys[key], new E2EEvent { Key = key, Sequence = n / Keys }));
        }

        return Events;
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Shoal: PublishBatchAsync, 1,000 events per awaited call")]
    public async Task<long> ShoalBatch()
    {
        await using var engine = InProcessEngine.Create();
        await using var shoal = await StartAsync(engine);
        var batch = new List<OutgoingEvent<E2EEvent>>(Batch);
        for (var n = 0; n < Events;)
        {
            n = E2EWorkload.Fill(batch, _keys, n, Events, Batch);
            await shoal.Publisher.PublishBatchAsync("publish", batch);
        }

        return Events;
    }

    private async Task<ShoalRuntime> StartAsync(Shoal.Engine.IShoalEngine engine)
    {
        var shoal = ShoalRuntime.Create(engine, new ShoalOptions
        {
            Topics = [new TopicOptions { Name = "publish", Partitions = Partitions }],
            EventTypes = new EventTypeRegistry().Add<E2EEvent>("e2e-event"),
            Serializers = _serializers,
        });
        await shoal.StartAsync();
        return shoal;
    }
}
