using System.Text.Json;

namespace Shoal.Engines.InProcess;

/// <summary>
/// A topic's options on disk, <c>DIR/topics/{name}/topic.json</c>, written once when the topic is created
/// (to <c>topic.json.tmp</c>, flushed, renamed). Durations are in milliseconds, -1 for infinite.
/// </summary>
internal static class TopicFile
{
    public const string FileName = "topic.json";

    public static void Write(string directory, TopicOptions topic)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteString("name", topic.Name);
                writer.WriteNumber("partitions", topic.Partitions);
                writer.WriteString("format", topic.Format.ToString());
                writer.WriteNumber("deduplicationWindowMs", Milliseconds(topic.DeduplicationWindow));
                writer.WriteNumber("deduplicationMaxIds", topic.DeduplicationMaxIds);
                writer.WriteStartObject("retention");
                writer.WriteBoolean("trimCommitted", topic.Retention.TrimCommitted);
                writer.WriteNumber("maxEventsPerPartition", topic.Retention.MaxEventsPerPartition);
                writer.WriteNumber("maxBytesPerPartition", topic.Retention.MaxBytesPerPartition);
                writer.WriteNumber("maxAgeMs", Milliseconds(topic.Retention.MaxAge));
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads and validates a topic file; a file that does not hold valid options throws with the reason.</summary>
    public static TopicOptions Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var retention = root.GetProperty("retention");
        var topic = new TopicOptions
        {
            Name = root.GetProperty("name").GetString()!,
            Partitions = root.GetProperty("partitions").GetInt32(),
            Format = Enum.Parse<SerializationFormat>(root.GetProperty("format").GetString()!),
            DeduplicationWindow = Duration(root.GetProperty("deduplicationWindowMs").GetInt64()),
            DeduplicationMaxIds = root.GetProperty("deduplicationMaxIds").GetInt32(),
            Retention = new RetentionOptions
            {
                TrimCommitted = retention.GetProperty("trimCommitted").GetBoolean(),
                MaxEventsPerPartition = retention.GetProperty("maxEventsPerPartition").GetInt64(),
                MaxBytesPerPartition = retention.GetProperty("maxBytesPerPartition").GetInt64(),
                MaxAge = Duration(retention.GetProperty("maxAgeMs").GetInt64()),
            },
        };
        topic.Validate();
        return topic;
    }

    private static long Milliseconds(TimeSpan value) => value == Timeout.InfiniteTimeSpan ? -1 : (long)value.TotalMilliseconds;

    private static TimeSpan Duration(long milliseconds) => milliseconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(milliseconds);
}
