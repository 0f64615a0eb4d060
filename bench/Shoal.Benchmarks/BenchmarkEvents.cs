using System.Text;

namespace Shoal.Benchmarks;

/// <summary>Pre-built envelopes of one partition: keys round-robin, dense offsets from 0, a tiny JSON payload.</summary>
internal static class BenchmarkEvents
{
    public const string Topic = "bench";
    public const string Type = "sample";

    private static readonly ReadOnlyMemory<byte> Payload = Encoding.UTF8.GetBytes("""{"orderId":42,"quantity":3}""");

    public static EventEnvelope[] Create(int count, int keys)
    {
        var keyNames = new string[keys];
        for (var k = 0; k < keys; k++)
        {
            keyNames[k] = "key-" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var events = new EventEnvelope[count];
        var timestamp = DateTimeOffset.UnixEpoch;
        for (var i = 0; i < count; i++)
        {
            events[i] = new EventEnvelope("id-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Topic, keyNames[i % keys], Type, Payload)
            {
                Partition = 0,
                Offset = i,
                Timestamp = timestamp,
            };
        }

        return events;
    }
}

/// <summary>The event type the typed-path benchmark deserializes.</summary>
public sealed record SampleEvent(long OrderId, int Quantity);
