using System.Collections.Concurrent;
using Shoal.Engine;
using Shoal.Engines.InProcess;

namespace Shoal.Tests.Runtime;

public sealed record Numbered(string Key, int Sequence, string? Note = null);

/// <summary>Records what handlers saw, per key, in the order they saw it.</summary>
internal sealed class Recorder
{
    private readonly ConcurrentDictionary<string, List<int>> _byKey = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Record(Numbered e)
    {
        var list = _byKey.GetOrAdd(e.Key, _ => []);
        lock (list)
        {
            list.Add(e.Sequence);
        }

        Interlocked.Increment(ref _count);
    }

    public IReadOnlyList<int> Of(string key) => _byKey.TryGetValue(key, out var list) ? list : [];

    public IEnumerable<string> Keys => _byKey.Keys;
}

internal static class Wait
{
    /// <summary>Waits (real time) until <paramref name="condition"/> holds, failing after <paramref name="seconds"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {seconds}s waiting for: {what}");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Waits (real time) until the asynchronous <paramref name="condition"/> holds, failing after <paramref name="seconds"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {seconds}s waiting for: {what}");
            }

            await Task.Delay(5);
        }
    }
}

internal static class Runtimes
{
    public static ShoalOptions Options(string topic, int partitions, GroupOptions group, params HandlerRegistration[] handlers) => new()
    {
        Topics = [new TopicOptions { Name = topic, Partitions = partitions }],
        EventTypes = new Shoal.Serialization.EventTypeRegistry().Add<Numbered>("numbered"),
        Groups = [new GroupRegistration { Options = group, Handlers = handlers }],
        RandomSeed = 42,
    };

    public static async Task<List<EventEnvelope>> ReadAllAsync(IShoalEngine engine, string topic)
    {
        var all = new List<EventEnvelope>();
        var description = await engine.Log.DescribeTopicAsync(topic) ?? throw new InvalidOperationException(topic);
        for (var p = 0; p < description.Partitions; p++)
        {
            var offsets = await engine.Log.GetOffsetsAsync(topic, p);
            var next = offsets.Start;
            var buffer = new EventEnvelope[256];
            while (next < offsets.End)
            {
                var n = await engine.Log.ReadAsync(topic, p, next, buffer);
                all.AddRange(buffer.Take(n));
                next = buffer[n - 1].Offset + 1;
            }
        }

        return all;
    }

    /// <summary>The committed offset of a group's partition, or -1 when none was written.</summary>
    public static async Task<long> CommittedAsync(IShoalEngine engine, string topic, string group, int partition)
    {
        var entry = await engine.Coordination.GetAsync(CoordinationKeys.Offset(topic, group, partition));
        if (entry is null)
        {
            return -1;
        }

        return CommittedOffset.TryDecode(entry.Value.Value.Span, out var committed) ? committed.Offset : throw new InvalidOperationException("bad offset record");
    }

    /// <summary>How many events a topic holds over all its partitions (0 when it does not exist).</summary>
    public static async Task<long> CountAsync(IShoalEngine engine, string topic)
    {
        var description = await engine.Log.DescribeTopicAsync(topic);
        if (description is null)
        {
            return 0;
        }

        long total = 0;
        for (var p = 0; p < description.Partitions; p++)
        {
            var offsets = await engine.Log.GetOffsetsAsync(topic, p);
            total += offsets.End - offsets.Start;
        }

        return total;
    }

    public static IShoalEngine Engine(TimeProvider? time = null) =>
        InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = time ?? TimeProvider.System });
}
