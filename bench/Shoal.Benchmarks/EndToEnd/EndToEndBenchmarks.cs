using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Partitioning;
using Shoal.Serialization;

namespace Shoal.Benchmarks.EndToEnd;

/// <summary>
/// Publish and handle N events end to end (12 partitions, 1,000 keys, JSON, a handler that checks per-key
/// order), against a hand-rolled in-memory pipeline doing the same serialization, partitioning, per-key
/// order check and deserialization over 12 bounded channels in the same run. The baseline has no event
/// log, ids, offsets, commits, retries or dead letters: the ratio is what those cost.
/// </summary>
[MemoryDiagnoser]
public class EndToEndBenchmarks
{
    public const int Events = 200_000;
    private const int Keys = 1_000;
    private const int Partitions = 12;
    private const int Batch = 1_024;

    private string[] _keys = [];
    private EventSerializers _serializers = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keys = E2EWorkload.KeyNames(Keys);
        _serializers = E2EWorkload.Serializers();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "Raw pipeline: JSON + 12 channels + per-key check (baseline)")]
    public async Task<long> RawPipeline()
    {
        var json = _serializers.Get(SerializationFormat.Json);
        var checker = new OrderChecker(Keys);
        var channels = new Channel<byte[]>[Partitions];
        var readers = new Task[Partitions];
        for (var p = 0; p < Partitions; p++)
        {
            var channel = channels[p] = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true });
            readers[p] = Task.Run(async () =>
            {
                await foreach (var payload in channel.Reader.ReadAllAsync())
                {
                    var e = json.Deserialize<E2EEvent>(payload);
                    checker.Record(e.Key, e.Sequence);
                }
            });
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        for (var n = 0; n < Events; n++)
        {
            var key = n % Keys;
            buffer.ResetWrittenCount();
            json.Serialize(buffer, new E2EEvent { Key = key, Sequence = n / Keys });
            var partition = KeyHasher.PartitionFor(_keys[key], Partitions);
            await channels[partition].Writer.WriteAsync(buffer.WrittenSpan.ToArray());
        }

        foreach (var channel in channels)
        {
            channel.Writer.Complete();
        }

        await Task.WhenAll(readers);
        return checker.Verify(Events);
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Shoal: publish + handle on the in-process engine")]
    public async Task<long> Shoal()
    {
        var checker = new OrderChecker(Keys);
        await using var engine = InProcessEngine.Create();
        var options = new ShoalOptions
        {
            Topics = [new TopicOptions { Name = "e2e", Partitions = Partitions }],
            EventTypes = new EventTypeRegistry().Add<E2EEvent>("e2e-event"),
            Serializers = _serializers,
            Groups =
            [
                new GroupRegistration
                {
                    Options = new GroupOptions { Name = "check", Topic = "e2e" },
                    Handlers =
                    [
                        HandlerRegistration.For<E2EEvent>((e, context, ct) =>
                        {
                            checker.Record(e.Key, e.Sequence);
                            return ValueTask.CompletedTask;
                        }),
                    ],
                },
            ],
        };
        await using var shoal = ShoalRuntime.Create(engine, options);
        await shoal.StartAsync();
        var batch = new List<OutgoingEvent<E2EEvent>>(Batch);
        for (var n = 0; n < Events;)
        {
            n = E2EWorkload.Fill(batch, _keys, n, Events, Batch);
            await shoal.Publisher.PublishBatchAsync("e2e", batch);
        }

        while (checker.Count < Events)
        {
            await Task.Delay(1);
        }

        await shoal.StopAsync();
        return checker.Verify(Events);
    }

    /// <summary>Per key: sequences must arrive 0, 1, 2, … (keys are handled by one reader at a time).</summary>
    private sealed class OrderChecker(int keys)
    {
        private readonly long[] _next = new long[keys];
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Record(int key, long sequence)
        {
            if (_next[key] != sequence)
            {
                throw new InvalidOperationException($"key {key}: expected sequence {_next[key]}, got {sequence}");
            }

            _next[key]++;
            Interlocked.Increment(ref _count);
        }

        public long Verify(long expected) =>
            Count == expected ? Count : throw new InvalidOperationException($"handled {Count} of {expected}");
    }
}

/// <summary>The workload the end-to-end and publish benchmarks share: key names, the JSON serializers, batches of events.</summary>
internal static class E2EWorkload
{
    public static string[] KeyNames(int keys) => [.. Enumerable.Range(0, keys).Select(k => $"key-{k}")];

    public static EventSerializers Serializers() =>
        EventSerializers.CreateDefault(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = E2EJsonContext.Default });

    /// <summary>Refills <paramref name="batch"/> with events n … up to <paramref name="size"/> more (key n mod keys, sequence n / keys); returns the next n.</summary>
    public static int Fill(List<OutgoingEvent<E2EEvent>> batch, string[] keys, int n, int events, int size)
    {
        batch.Clear();
        for (var end = Math.Min(events, n + size); n < end; n++)
        {
            var key = n % keys.Length;
            batch.Add(new OutgoingEvent<E2EEvent>(keys[key], new E2EEvent { Key = key, Sequence = n / keys.Length }));
        }

        return n;
    }
}

public sealed class E2EEvent
{
    public int Key { get; set; }

    public long Sequence { get; set; }
}

[JsonSerializable(typeof(E2EEvent))]
internal sealed partial class E2EJsonContext : JsonSerializerContext;
