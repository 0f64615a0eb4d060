using System.Globalization;
using System.Text;
using NATS.Client.Core;

namespace Shoal.Engines.Nats;

/// <summary>
/// How an event travels as a NATS message (docs/wire-format.md): the payload is the message data, the rest are
/// headers. Header values are UTF-8.
/// </summary>
internal static class EventHeaders
{
    public const string Id = "Shoal-Id";
    public const string Type = "Shoal-Type";
    public const string Key = "Shoal-Key";
    public const string ContentType = "Content-Type";
    public const string Timestamp = "Shoal-Timestamp";
    public const string MsgId = "Nats-Msg-Id";

    /// <summary>Bytes of the message header block besides the headers themselves ("NATS/1.0\r\n" … "\r\n").</summary>
    private const int BlockOverhead = 12;

    /// <summary>The headers for <paramref name="e"/>; <paramref name="size"/> receives the message size as sent (payload plus header block).</summary>
    public static NatsHeaders Build(in EventEnvelope e, bool deduplicate, out long size)
    {
        var headers = new NatsHeaders();
        size = e.Payload.Length + BlockOverhead;
        Add(headers, Id, e.Id ?? string.Empty, ref size);
        Add(headers, Type, e.Type ?? string.Empty, ref size);
        if (e.Key is not null)
        {
            Add(headers, Key, e.Key, ref size);
        }

        Add(headers, ContentType, e.ContentType ?? ContentTypes.Json, ref size);
        Add(headers, Timestamp, e.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), ref size);
        if (deduplicate)
        {
            Add(headers, MsgId, e.Id!, ref size);
        }

        if (e.Headers is { Count: > 0 } application)
        {
            foreach (var (name, value) in application)
            {
                if (IsReserved(name))
                {
                    throw new ShoalConfigurationException("EventEnvelope.Headers", $"header '{name}' is reserved on NATS (Shoal-*, Nats-*, Content-Type); rename it.");
                }

                Add(headers, name, value ?? string.Empty, ref size);
            }
        }

        return headers;
    }

    /// <summary>Turns a stored message into an envelope. Missing headers get defaults (see docs/wire-format.md).</summary>
    public static EventEnvelope Read(string topic, int partition, long offset, NatsHeaders? headers, byte[]? payload, DateTimeOffset stored)
    {
        string? id = null, type = null, key = null, contentType = null, msgId = null;
        DateTimeOffset? timestamp = null;
        Dictionary<string, string>? application = null;
        if (headers is not null)
        {
            foreach (var (name, values) in headers)
            {
                var value = values.Count > 0 ? values[values.Count - 1] ?? string.Empty : string.Empty;
                if (name.Equals(Id, StringComparison.OrdinalIgnoreCase))
                {
                    id = value;
                }
                else if (name.Equals(Type, StringComparison.OrdinalIgnoreCase))
                {
                    type = value;
                }
                else if (name.Equals(Key, StringComparison.OrdinalIgnoreCase))
                {
                    key = value;
                }
                else if (name.Equals(ContentType, StringComparison.OrdinalIgnoreCase))
                {
                    contentType = value;
                }
                else if (name.Equals(Timestamp, StringComparison.OrdinalIgnoreCase))
                {
                    if (DateTimeOffset.TryParseExact(value, "O", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
                        || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out parsed))
                    {
                        timestamp = parsed;
                    }
                }
                else if (name.Equals(MsgId, StringComparison.OrdinalIgnoreCase))
                {
                    msgId = value;
                }
                else if (!IsReserved(name))
                {
                    (application ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
                }
            }
        }

        return new EventEnvelope(
            id ?? msgId ?? string.Create(CultureInfo.InvariantCulture, $"nats-{NatsNames.Stream(topic, partition)}-{offset + 1}"),
            topic,
            key,
            type ?? string.Empty,
            payload ?? [])
        {
            ContentType = string.IsNullOrEmpty(contentType) ? ContentTypes.Json : contentType,
            Headers = application,
            Timestamp = timestamp ?? stored,
            Partition = partition,
            Offset = offset,
        };
    }

    public static bool IsReserved(string name) =>
        name.StartsWith("Shoal-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Nats-", StringComparison.OrdinalIgnoreCase)
        || name.Equals(ContentType, StringComparison.OrdinalIgnoreCase);

    private static void Add(NatsHeaders headers, string name, string value, ref long size)
    {
        headers[name] = value;
        size += name.Length + Encoding.UTF8.GetByteCount(value) + 4;
    }
}
