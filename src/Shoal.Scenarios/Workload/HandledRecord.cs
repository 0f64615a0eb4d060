using System.Text.Json;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// What the worker's <c>verify</c> handler writes for every event it handled, as one event in the record topic
/// <c>{topic}.{group}.handled</c> (<see cref="TopicFor"/>), in the same partition number as the event it records,
/// type <see cref="TypeName"/>, key = the event's key, JSON payload:
/// <c>{"eventId":"…","key":"key-3","seq":17,"runId":"…","member":"w1","partition":3,"offset":120,"epoch":2}</c>.
/// An event counts as done only once its record is appended (the handler awaits it), so a committed offset
/// implies its records exist; a redelivered event is recorded again by whoever handles it (a duplicate, with the
/// new owner's epoch).
/// </summary>
internal sealed class HandledRecord
{
    internal const string TypeName = "shoal.handled";

    /// <summary>The id of the handled event.</summary>
    public string EventId { get; set; } = string.Empty;

    /// <summary>The handled event's key.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>The handled event's sequence number within its key.</summary>
    public long Seq { get; set; }

    /// <summary>The produce run that published the handled event.</summary>
    public string RunId { get; set; } = string.Empty;

    /// <summary>The member that handled it.</summary>
    public string Member { get; set; } = string.Empty;

    /// <summary>The partition of the handled event (and of the record).</summary>
    public int Partition { get; set; }

    /// <summary>The handled event's offset in its partition.</summary>
    public long Offset { get; set; }

    /// <summary>The epoch of the lease under which the member handled it.</summary>
    public long Epoch { get; set; }

    /// <summary>The record topic of <paramref name="group"/> on <paramref name="topic"/>.</summary>
    public static string TopicFor(string topic, string group) => $"{topic}.{group}.handled";

    /// <summary>
    /// The record topic's options: as many partitions as the topic, never trimmed for being committed (no group
    /// consumes it; <c>shoal verify</c> reads it from the start).
    /// </summary>
    internal static TopicOptions TopicOptionsFor(string topic, string group, int partitions) => new()
    {
        Name = TopicFor(topic, group),
        Partitions = partitions,
        DeduplicationWindow = TimeSpan.Zero,
        Retention = RetentionOptions.Default with { TrimCommitted = false },
    };

    internal byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(this, WorkloadJsonContext.Default.HandledRecord);

    /// <summary>The record in <paramref name="payload"/>, or null when it is not one.</summary>
    public static HandledRecord? TryDecode(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload.Span, WorkloadJsonContext.Default.HandledRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
