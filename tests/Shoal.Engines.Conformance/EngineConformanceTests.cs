using System.Text;
using Shoal.Engine;
using Xunit;

namespace Shoal.Engines.Conformance;

/// <summary>
/// The behaviour every engine must have, as one abstract test class: an engine's test project adds a subclass
/// that creates the engine. Tests use unique topic names and key prefixes, so one engine (or one server) may be
/// shared, and they never sleep: they wait on conditions with a deadline.
/// </summary>
public abstract partial class EngineConformanceTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(30));

    /// <summary>The engine under test, created before each test and disposed after it.</summary>
    protected IShoalEngine Engine { get; private set; } = null!;

    /// <summary>The largest event the engine accepts, in bytes (payload plus names and headers).</summary>
    protected virtual int MaxEventBytes => 1 << 20;

    /// <summary>Cancelled when the test has run too long, so a missing event fails the test instead of hanging it.</summary>
    protected CancellationToken Deadline => _deadline.Token;

    /// <summary>Creates the engine for one test.</summary>
    protected abstract ValueTask<IShoalEngine> CreateEngineAsync();

    public async ValueTask InitializeAsync() => Engine = await CreateEngineAsync();

    public async ValueTask DisposeAsync()
    {
        if (Engine is not null)
        {
            await Engine.DisposeAsync();
        }

        _deadline.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A topic name no other test uses.</summary>
    protected static string UniqueTopic() => $"conf-{Guid.NewGuid():N}";

    /// <summary>A coordination key prefix no other test uses, ending with <c>/</c>.</summary>
    protected static string UniquePrefix() => $"conformance/{Guid.NewGuid():N}/";

    protected async Task<string> CreateTopicAsync(int partitions = 3, TimeSpan? deduplicationWindow = null)
    {
        var options = new TopicOptions { Name = UniqueTopic(), Partitions = partitions };
        if (deduplicationWindow is { } window)
        {
            options = options with { DeduplicationWindow = window };
        }

        await Engine.Log.CreateTopicAsync(options, Deadline);
        return options.Name;
    }

    protected static EventEnvelope NewEvent(string topic, string? id = null, string? key = "key", string payload = "payload") =>
        new(id ?? Guid.NewGuid().ToString("N"), topic, key, "test.event", Encoding.UTF8.GetBytes(payload)) { Deduplicate = true };

    protected async Task<AppendedEvent[]> AppendAsync(string topic, int partition, params EventEnvelope[] events)
    {
        var results = new AppendedEvent[events.Length];
        await Engine.Log.AppendAsync(topic, partition, events, results, Deadline);
        return results;
    }

    /// <summary>Reads exactly <paramref name="count"/> events from <paramref name="fromOffset"/>, in as many reads as it takes.</summary>
    protected async Task<List<EventEnvelope>> ReadAsync(string topic, int partition, long fromOffset, int count)
    {
        var result = new List<EventEnvelope>(count);
        var buffer = new EventEnvelope[Math.Max(count, 1)];
        var next = fromOffset;
        while (result.Count < count)
        {
            var read = await Engine.Log.ReadAsync(topic, partition, next, buffer.AsMemory(0, count - result.Count), Deadline);
            for (var i = 0; i < read; i++)
            {
                result.Add(buffer[i]);
            }

            next = buffer[read - 1].Offset + 1;
        }

        return result;
    }

    protected static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
