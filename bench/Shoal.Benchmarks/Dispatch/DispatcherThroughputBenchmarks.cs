using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Shoal.Partitioning;
using Shoal.Processing;
using Shoal.Serialization;

namespace Shoal.Benchmarks.Dispatch;

/// <summary>
/// Events per second through the key-ordered dispatcher with a handler that does nothing, against a bare
/// single-reader/single-writer channel pass-through in the same run (issue 2, Performance: ≥ 0.3× the
/// channel, ≤ 64 B per event). One partition, 10,000 keys round-robin. Every case moves the same N
/// envelopes through the same bounded channel; the candidates add what the reader does with each event.
/// </summary>
[MemoryDiagnoser]
public class DispatcherThroughputBenchmarks
{
    public const int Events = 200_000;
    private const int Keys = 10_000;
    private const int ChannelCapacity = 1024;
    private const int Window = 1024;
    private const int MaxConcurrency = 256;

    private EventEnvelope[] _events = [];
    private IEventSerializer _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        _events = BenchmarkEvents.Create(Events, Keys);
        _json = EventSerializers.CreateDefault().Get(SerializationFormat.Json);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "Channel<T> SPSC pass-through (baseline)")]
    public async Task<long> RawChannel()
    {
        var channel = CreateChannel();
        var writer = WriteAllAsync(channel.Writer);
        var reader = Task.Run(async () =>
        {
            long sum = 0;
            var source = channel.Reader;
            while (await source.WaitToReadAsync())
            {
                while (source.TryRead(out var envelope))
                {
                    sum += envelope.Offset;
                }
            }

            return sum;
        });
        await writer;
        return await reader;
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Channel + KeyOrderedDispatcher, no-op processor")]
    public Task<long> Dispatcher() => RunDispatcherAsync(new NoOpProcessor());

    [Benchmark(OperationsPerInvoke = Events, Description = "Channel + KeyOrderedDispatcher + JSON Deserialize<T> (typed path, no handler)")]
    public Task<long> DispatcherWithJson() => RunDispatcherAsync(new JsonProcessor(_json));

    [Benchmark(OperationsPerInvoke = Events, Description = "KeyOrderedDispatcher.Dispatch loop alone, no channel (one thread)")]
    public long DispatchOnly()
    {
        var tracker = new OffsetTracker(Window, 0);
        using var dispatcher = new KeyOrderedDispatcher(new NoOpProcessor(), tracker, MaxConcurrency, TimeProvider.System, CancellationToken.None);
        var events = _events;
        for (var i = 0; i < events.Length; i++)
        {
            dispatcher.Dispatch(events[i]);
        }

        return tracker.Watermark;
    }

    /// <summary>What <c>EventProcessor</c> adds per keyed event to detect a key in the wrong partition (12 partitions).</summary>
    [Benchmark(OperationsPerInvoke = Events, Description = "Wrong-partition check loop alone: KeyHasher.PartitionFor per event (one thread)")]
    public long PartitionCheckOnly()
    {
        long wrong = 0;
        var events = _events;
        for (var i = 0; i < events.Length; i++)
        {
            if (KeyHasher.PartitionFor(events[i].Key!, 12) != events[i].Partition)
            {
                wrong++;
            }
        }

        return wrong;
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "JSON Deserialize<T> loop alone, no dispatcher (one thread)")]
    public long JsonOnly()
    {
        var processor = new JsonProcessor(_json);
        var events = _events;
        for (var i = 0; i < events.Length; i++)
        {
            processor.Process(events[i]);
        }

        return processor.Checksum;
    }

    private async Task<long> RunDispatcherAsync(IEventProcessor processor)
    {
        var channel = CreateChannel();
        var tracker = new OffsetTracker(Window, 0);
        using var dispatcher = new KeyOrderedDispatcher(processor, tracker, MaxConcurrency, TimeProvider.System, CancellationToken.None);
        var writer = WriteAllAsync(channel.Writer);
        var reader = Task.Run(async () =>
        {
            var source = channel.Reader;
            while (await source.WaitToReadAsync())
            {
                while (source.TryRead(out var envelope))
                {
                    // The partition consumer's backpressure: never dispatch past the tracker's window.
                    if (envelope.Offset >= tracker.Watermark + Window)
                    {
                        var wait = dispatcher.WaitForWatermark(envelope.Offset - Window + 1);
                        if (wait is not null)
                        {
                            await wait;
                        }
                    }

                    dispatcher.Dispatch(envelope);
                }
            }

            var drained = dispatcher.WaitForWatermark(Events);
            if (drained is not null)
            {
                await drained;
            }

            return tracker.Watermark;
        });
        await writer;
        var watermark = await reader;
        if (watermark != Events)
        {
            throw new InvalidOperationException($"Watermark {watermark}, expected {Events}.");
        }

        return watermark;
    }

    private static Channel<EventEnvelope> CreateChannel() =>
        Channel.CreateBounded<EventEnvelope>(new BoundedChannelOptions(ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    private Task WriteAllAsync(ChannelWriter<EventEnvelope> writer)
    {
        var events = _events;
        return Task.Run(async () =>
        {
            for (var i = 0; i < events.Length; i++)
            {
                while (!writer.TryWrite(events[i]))
                {
                    await writer.WaitToWriteAsync();
                }
            }

            writer.Complete();
        });
    }

    private sealed class NoOpProcessor : IEventProcessor
    {
        public ValueTask ProcessAsync(EventEnvelope envelope, HandlerSlot slot) => default;
    }

    private sealed class JsonProcessor(IEventSerializer serializer) : IEventProcessor
    {
        public long Checksum;

        public ValueTask ProcessAsync(EventEnvelope envelope, HandlerSlot slot)
        {
            Process(envelope);
            return default;
        }

        public void Process(in EventEnvelope envelope)
        {
            var value = serializer.Deserialize<SampleEvent>(envelope.Payload);
            Checksum += value.OrderId + value.Quantity;
        }
    }
}
