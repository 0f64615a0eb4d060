using System.Buffers;
using System.Text.Json;

namespace Shoal.Engine;

/// <summary>
/// The layout of Shoal's records in the coordination store. Every engine stores the same keys, so any
/// process (or tool) can read them. Documented in <c>docs/wire-format.md</c>.
/// </summary>
public static class CoordinationKeys
{
    /// <summary>Root of all committed offsets: <c>shoal/offsets/</c>.</summary>
    public const string OffsetsRoot = "shoal/offsets/";

    /// <summary>Committed offsets of every group of a topic: <c>shoal/offsets/{topic}/</c>.</summary>
    public static string TopicOffsetsPrefix(string topic) => $"{OffsetsRoot}{topic}/";

    /// <summary>Committed offsets of one group of a topic: <c>shoal/offsets/{topic}/{group}/</c>.</summary>
    public static string GroupOffsetsPrefix(string topic, string group) => $"{OffsetsRoot}{topic}/{group}/";

    /// <summary>One partition's committed offset for a group: <c>shoal/offsets/{topic}/{group}/{partition}</c>.</summary>
    public static string Offset(string topic, string group, int partition) => $"{OffsetsRoot}{topic}/{group}/{partition}";

    /// <summary>Parked keys of a group (strict-order poison handling): <c>shoal/parked/{topic}/{group}/{partition}/</c>.</summary>
    public static string ParkedPrefix(string topic, string group, int partition) => $"shoal/parked/{topic}/{group}/{partition}/";

    /// <summary>
    /// One parked key. The key is hex-encoded UTF-8 so any key is a valid store key:
    /// <c>shoal/parked/{topic}/{group}/{partition}/{hex(key)}</c>.
    /// </summary>
    public static string Parked(string topic, string group, int partition, string key) =>
        ParkedPrefix(topic, group, partition) + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(key));
}

/// <summary>
/// A committed offset record: the next offset the group will process in the partition, and the fencing
/// epoch of the owner that wrote it. Stored as UTF-8 JSON <c>{"offset":N,"epoch":E}</c>.
/// </summary>
public readonly record struct CommittedOffset(long Offset, long Epoch)
{
    /// <summary>Encodes the record as UTF-8 JSON.</summary>
    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(48);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("offset", Offset);
            writer.WriteNumber("epoch", Epoch);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a record written by <see cref="Encode"/>; false when the bytes are not one.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, out CommittedOffset value)
    {
        value = default;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            long? offset = null;
            long epoch = 0;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isOffset = reader.ValueTextEquals("offset"u8);
                var isEpoch = reader.ValueTextEquals("epoch"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isOffset)
                {
                    offset = reader.GetInt64();
                }
                else if (isEpoch)
                {
                    epoch = reader.GetInt64();
                }
                else
                {
                    reader.Skip();
                }
            }

            if (offset is null || offset < 0)
            {
                return false;
            }

            value = new CommittedOffset(offset.Value, epoch);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
