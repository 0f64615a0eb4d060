using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Shoal.Engines.Nats;

/// <summary>
/// A topic's options, stored as JSON in the <c>description</c> of its partition-0 stream, so any process finds them
/// with one stream-info request and the description is created atomically with that stream:
/// <c>{"shoal":1,"partitions":12,"format":"Json","replicas":1,"storage":"File","dedupWindowMs":120000,
/// "dedupMaxIds":100000,"trimCommitted":true,"maxEvents":1000000,"maxBytes":1073741824,"maxAgeMs":-1}</c>.
/// </summary>
internal static class TopicRecord
{
    public static string Encode(TopicOptions topic, NatsStorage storage)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("shoal", 1);
            writer.WriteNumber("partitions", topic.Partitions);
            writer.WriteString("format", topic.Format.ToString());
            writer.WriteNumber("replicas", topic.Replicas ?? 1);
            writer.WriteString("storage", storage.ToString());
            writer.WriteNumber("dedupWindowMs", (long)topic.DeduplicationWindow.TotalMilliseconds);
            writer.WriteNumber("dedupMaxIds", topic.DeduplicationMaxIds);
            writer.WriteBoolean("trimCommitted", topic.Retention.TrimCommitted);
            writer.WriteNumber("maxEvents", topic.Retention.MaxEventsPerPartition);
            writer.WriteNumber("maxBytes", topic.Retention.MaxBytesPerPartition);
            writer.WriteNumber("maxAgeMs", topic.Retention.MaxAge == Timeout.InfiniteTimeSpan ? -1 : (long)topic.Retention.MaxAge.TotalMilliseconds);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The topic's options, or null when <paramref name="description"/> is not a record Shoal wrote.</summary>
    public static TopicOptions? Decode(string name, string? description)
    {
        if (string.IsNullOrEmpty(description))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(description);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("shoal", out _))
            {
                return null;
            }

            var maxAge = Long(root, "maxAgeMs", -1);
            return new TopicOptions
            {
                Name = name,
                Partitions = (int)Long(root, "partitions", 1),
                Format = Enum.TryParse<SerializationFormat>(Text(root, "format"), out var format) ? format : SerializationFormat.Json,
                Replicas = (int)Long(root, "replicas", 1),
                DeduplicationWindow = TimeSpan.FromMilliseconds(Long(root, "dedupWindowMs", 120_000)),
                DeduplicationMaxIds = (int)Long(root, "dedupMaxIds", 100_000),
                Retention = new RetentionOptions
                {
                    TrimCommitted = !root.TryGetProperty("trimCommitted", out var trim) || trim.ValueKind != JsonValueKind.False,
                    MaxEventsPerPartition = Long(root, "maxEvents", RetentionOptions.Default.MaxEventsPerPartition),
                    MaxBytesPerPartition = Long(root, "maxBytes", RetentionOptions.Default.MaxBytesPerPartition),
                    MaxAge = maxAge < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(maxAge),
                },
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static long Long(JsonElement root, string name, long fallback) =>
        root.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : fallback;

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
