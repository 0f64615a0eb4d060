using System.Globalization;
using System.Text;
using Microsoft.Extensions.Primitives;
using NATS.Client.Core;

namespace Shoal.Engines.Nats;

/// <summary>
/// How an event travels as a NATS message (docs/wire-format.md): the payload is the message data, the rest are
/// headers. Header values are UTF-8.
/// </summary>
internal static class EventHeaders
{
    public const string Id = ShoalHeaders.Envelope.Id;
    public const string Type = ShoalHeaders.Envelope.Type;
    public const string Key = ShoalHeaders.Envelope.Key;
    public const string ContentType = ShoalHeaders.Envelope.ContentType;
    public const string Timestamp = ShoalHeaders.Envelope.Timestamp;
    public const string MsgId = ShoalHeaders.Envelope.MsgId;

    /// <summary>Bytes of the message header block besides the headers themselves ("NATS/1.0\r\n" … "\r\n").</summary>
    private const int BlockOverhead = 12;

    /// <summary>
    /// The headers for <paramref name="e"/>, which meets <see cref="EventRules"/> (checked before anything of its batch is
    /// sent); <paramref name="size"/> receives the message size as sent (payload plus header block).
    /// </summary>
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
                Add(headers, name, value ?? string.Empty, ref size);
            }
        }

        return headers;
    }

    /// <summary>
    /// Turns a stored message into an envelope. Missing headers get defaults (see docs/wire-format.md). The known headers
    /// are looked up directly; the header block is walked only when it holds more (application headers, or a known name
    /// in another letter case).
    /// </summary>
    public static EventEnvelope Read(string topic, int partition, long offset, NatsHeaders? headers, byte[]? payload, DateTimeOffset stored)
    {
        string? id = null, type = null, key = null, contentType = null, timestamp = null, msgId = null;
        Dictionary<string, string>? application = null;
        if (headers is not null)
        {
            var found = 0;
            id = Lookup(headers, Id, ref found);
            type = Lookup(headers, Type, ref found);
            key = Lookup(headers, Key, ref found);
            contentType = Lookup(headers, ContentType, ref found);
            timestamp = Lookup(headers, Timestamp, ref found);
            msgId = Lookup(headers, MsgId, ref found);
            if (headers.Count > found)
            {
                foreach (var (name, values) in headers)
                {
                    var value = Last(values);
                    if (name.Equals(Id, StringComparison.OrdinalIgnoreCase))
                    {
                        id ??= value;
                    }
                    else if (name.Equals(Type, StringComparison.OrdinalIgnoreCase))
                    {
                        type ??= value;
                    }
                    else if (name.Equals(Key, StringComparison.OrdinalIgnoreCase))
                    {
                        key ??= value;
                    }
                    else if (name.Equals(ContentType, StringComparison.OrdinalIgnoreCase))
                    {
                        contentType ??= value;
                    }
                    else if (name.Equals(Timestamp, StringComparison.OrdinalIgnoreCase))
                    {
                        timestamp ??= value;
                    }
                    else if (name.Equals(MsgId, StringComparison.OrdinalIgnoreCase))
                    {
                        msgId ??= value;
                    }
                    else if (!EventRules.IsReservedHeaderName(name))
                    {
                        (application ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
                    }
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
            Timestamp = timestamp is not null && TryParseTimestamp(timestamp, out var parsed) ? parsed : stored,
            Partition = partition,
            Offset = offset,
        };
    }

    /// <summary>
    /// Parses <see cref="Timestamp"/>: the round-trip form Shoal writes (<c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>, 28
    /// characters) digit by digit, anything else (other producers) with <see cref="DateTimeOffset.TryParse(string?, IFormatProvider?, DateTimeStyles, out DateTimeOffset)"/>.
    /// </summary>
    public static bool TryParseTimestamp(string value, out DateTimeOffset timestamp)
    {
        if (value.Length == 28 && value[4] == '-' && value[7] == '-' && value[10] == 'T' && value[13] == ':' && value[16] == ':' && value[19] == '.' && value[27] == 'Z'
            && Digits(value, 0, 4, out var year) && Digits(value, 5, 2, out var month) && Digits(value, 8, 2, out var day)
            && Digits(value, 11, 2, out var hour) && Digits(value, 14, 2, out var minute) && Digits(value, 17, 2, out var second)
            && Digits(value, 20, 7, out var fraction)
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && hour < 24 && minute < 60 && second < 60)
        {
            var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fraction;
            timestamp = new DateTimeOffset(ticks, TimeSpan.Zero);
            return true;
        }

        return DateTimeOffset.TryParseExact(value, "O", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp)
            || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp);
    }

    private static bool Digits(string text, int start, int length, out int value)
    {
        value = 0;
        for (var i = start; i < start + length; i++)
        {
            var digit = text[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    private static string? Lookup(NatsHeaders headers, string name, ref int found)
    {
        if (!headers.TryGetValue(name, out var values))
        {
            return null;
        }

        found++;
        return Last(values);
    }

    private static string Last(StringValues values) =>
        values.Count > 0 ? values[values.Count - 1] ?? string.Empty : string.Empty;

    private static void Add(NatsHeaders headers, string name, string value, ref long size)
    {
        headers[name] = value;
        size += name.Length + Encoding.UTF8.GetByteCount(value) + 4;
    }
}
