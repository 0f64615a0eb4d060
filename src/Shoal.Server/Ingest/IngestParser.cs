using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Shoal.Diagnostics;

namespace Shoal.Server.Ingest;

/// <summary>Why a body was rejected: the HTTP status, the field (a JSON path such as <c>[2].key</c>) and what is wrong.</summary>
internal readonly record struct IngestError(int Status, string Field, string Message);

/// <summary>
/// One event as read from a request body or datagram; payload bytes point into the body. <paramref name="Path"/> is
/// where it is in the body as errors name it: <c>[2]</c> in an array, empty for a lone event object.
/// </summary>
internal readonly record struct ParsedEvent(string? Topic, SerializedEvent Event, string Path);

/// <summary>
/// Reads ingest bodies with <see cref="Utf8JsonReader"/>: one event object, or an array of them, each
/// <c>{"key": "...", "type": "...", "data": any JSON, "id"?: "...", "headers"?: {"name": "value"}}</c> (a datagram
/// also names its <c>"topic"</c>). Every event is checked before any is returned, against the fields' own rules and
/// <see cref="EventRules"/> (what every engine stores), so a rejected body stores nothing.
/// Each event's <c>data</c> is the exact JSON text of the body, not re-serialized. The trace context the server adds
/// (<see cref="TraceContext.Inject"/>) is added here, so the event checked is the event stored.
/// </summary>
internal static class IngestParser
{
    public const int MaxIdLength = 200;

    /// <summary>Stands for the id the publisher generates when none is given: <c>{16 hex}-{16 hex}</c>, 33 characters.</summary>
    private static readonly string GeneratedId = new('0', 33);

    /// <summary>
    /// Parses <paramref name="body"/>; on success <paramref name="events"/> holds every event in order, each with the
    /// trace headers the server adds (<see cref="TraceToAdd"/>; none when it carries its own <c>traceparent</c>, in
    /// any case) and checked with them. <paramref name="callerTraceParent"/> is the <c>traceparent</c> the request
    /// came with (HTTP), or null (UDP: a datagram has no transport headers).
    /// </summary>
    public static IngestError? Parse(
        ReadOnlyMemory<byte> body, bool requireTopic, int maxEvents, int maxEventBytes, List<ParsedEvent> events, string? callerTraceParent)
    {
        events.Clear();
        var trace = TraceToAdd(callerTraceParent);
        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        try
        {
            if (!reader.Read())
            {
                return Bad("body", "is empty; send one event object or an array of them.");
            }

            if (reader.TokenType == JsonTokenType.StartObject)
            {
                if (ReadEvent(ref reader, body, string.Empty, requireTopic, maxEventBytes, trace, events) is { } error)
                {
                    return error;
                }
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var path = $"[{index}]";
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return Bad(path, $"must be an event object; was {Describe(reader.TokenType)}.");
                    }

                    if (index >= maxEvents)
                    {
                        return new IngestError(413, "body", $"holds more than {maxEvents} events; split the batch.");
                    }

                    if (ReadEvent(ref reader, body, path, requireTopic, maxEventBytes, trace, events) is { } error)
                    {
                        return error;
                    }

                    index++;
                }

                if (index == 0)
                {
                    return Bad("body", "is an empty array; send at least one event.");
                }
            }
            else
            {
                return Bad("body", $"must be an event object or an array of them; was {Describe(reader.TokenType)}.");
            }

            if (reader.Read())
            {
                return Bad("body", "has more after the first JSON value.");
            }

            return null;
        }
        catch (JsonException ex)
        {
            return Bad("body", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }
        catch (InvalidOperationException)
        {
            // A string that is not valid UTF-8, or a token that cannot be read as what it claims to be.
            return Bad("body", "is not valid UTF-8 JSON.");
        }
    }

    private static IngestError? ReadEvent(
        ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, string path, bool requireTopic, int maxEventBytes, (string? Parent, string? State) trace, List<ParsedEvent> events)
    {
        string? topic = null, key = null, type = null, id = null;
        Dictionary<string, string>? headers = null;
        ReadOnlyMemory<byte>? data = null;
        var prefix = path.Length == 0 ? string.Empty : path + ".";
        long size = 0;
        var seen = Members.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!TryGetString(reader, out var name))
            {
                return NotUnicode(prefix + Raw(reader));
            }

            var member = MemberOf(name, requireTopic);
            if ((seen & member) != 0)
            {
                return GivenTwice(prefix + name);
            }

            seen |= member;
            reader.Read();
            switch (name)
            {
                case "key":
                    if (StringValue(reader, prefix + "key", out var keyText) is { } keyError)
                    {
                        return keyError;
                    }

                    if (keyText is not { Length: > 0 } k)
                    {
                        return Bad(prefix + "key", "must be a non-empty string (events with the same key are handled in order).");
                    }

                    key = k;
                    break;
                case "type":
                    if (StringValue(reader, prefix + "type", out var typeText) is { } typeError)
                    {
                        return typeError;
                    }

                    if (typeText is not { Length: > 0 and <= 200 } t)
                    {
                        return Bad(prefix + "type", "must be the event type's registered name (1-200 characters).");
                    }

                    type = t;
                    break;
                case "id":
                    if (StringValue(reader, prefix + "id", out var idText) is { } idError)
                    {
                        return idError;
                    }

                    if (idText is not { Length: > 0 and <= MaxIdLength } i)
                    {
                        return Bad(prefix + "id", $"must be a string of 1-{MaxIdLength} characters (a repeated id is stored once).");
                    }

                    id = i;
                    break;
                case "topic" when requireTopic:
                    if (reader.TokenType != JsonTokenType.String || !TryGetString(reader, out var tp) || !NameRules.IsValid(tp))
                    {
                        return Bad(prefix + "topic", "must be a topic name (1-200 of A-Z a-z 0-9 - _ .).");
                    }

                    topic = tp;
                    break;
                case "data":
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    data = body[start..(int)reader.BytesConsumed];
                    break;
                case "headers":
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        break;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return Bad(prefix + "headers", "must be an object of string values.");
                    }

                    headers = new Dictionary<string, string>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (!TryGetString(reader, out var header))
                        {
                            return NotUnicode($"{prefix}headers.{Raw(reader)}");
                        }

                        reader.Read();
                        if (header.Length == 0 || reader.TokenType != JsonTokenType.String)
                        {
                            return Bad($"{prefix}headers.{header}", "must be a string (header names non-empty).");
                        }

                        if (!TryGetString(reader, out var value))
                        {
                            return NotUnicode($"{prefix}headers.{header}");
                        }

                        if (!headers.TryAdd(header, value))
                        {
                            return GivenTwice($"{prefix}headers.{header}");
                        }
                    }

                    break;
                default:
                    return Bad(prefix + name, "is not an event field; use key, type, data, id, headers" + (requireTopic ? ", topic." : "."));
            }
        }

        if (requireTopic && topic is null)
        {
            return Bad(prefix + "topic", "is required.");
        }

        if (key is null)
        {
            return Bad(prefix + "key", "is required (events with the same key are handled in order).");
        }

        if (type is null)
        {
            return Bad(prefix + "type", "is required (the event type's registered name).");
        }

        if (data is not { } payload)
        {
            return Bad(prefix + "data", "is required (any JSON value: the event).");
        }

        // The event as the publisher will append it: with the trace headers the server adds (checked here, so an event at
        // a limit is refused here, naming its field, not by the publisher later), and an absent id as a generated one of
        // the same length.
        var stored = TraceContext.Inject(headers, trace);
        var candidate = new EventEnvelope(id ?? GeneratedId, topic ?? string.Empty, key, type, payload) { Headers = stored, Deduplicate = id is not null };
        if (EventRules.Check(candidate) is { } broken)
        {
            return Bad(prefix + FieldOf(broken), broken.Message);
        }

        if (stored is not null)
        {
            foreach (var (name, value) in stored)
            {
                size += name.Length + value.Length;
            }
        }

        size += payload.Length + Encoding.UTF8.GetByteCount(key) + type.Length + (id?.Length ?? 0);
        if (size > maxEventBytes)
        {
            return new IngestError(413, prefix + "data", $"the event is {size} bytes; the limit is {maxEventBytes}.");
        }

        events.Add(new ParsedEvent(topic, new SerializedEvent(key, type, payload) { Id = id, Headers = stored, ContentType = ContentTypes.Json }, path));
        return null;
    }

    /// <summary>
    /// The one decision of which trace headers the server adds to the events it ingests, over HTTP and UDP alike: the
    /// current activity's W3C context (the <c>shoal.ingest</c> activity of the request or datagram, under the caller's
    /// when there is one), or when no activity carries one (nobody listens to traces) the caller's valid
    /// <c>traceparent</c> as is. The publisher then adds none: each event carries a <c>traceparent</c> already, or
    /// there is no activity to take one from.
    /// </summary>
    internal static (string? Parent, string? State) TraceToAdd(string? callerTraceParent)
    {
        if (Activity.Current is not null)
        {
            return TraceContext.Current();
        }

        return callerTraceParent is not null && ActivityContext.TryParse(callerTraceParent, null, out _) ? (callerTraceParent, null) : default;
    }

    private static IngestError Bad(string field, string message) => new(400, field, message);

    /// <summary>
    /// A member that an object holds twice. JSON parsers disagree on which one wins (the first, the last, or an error), so
    /// a body that means different things to different readers is refused rather than read one way.
    /// </summary>
    internal static IngestError GivenTwice(string field) => Bad(field, "is given twice; give each member once.");

    [Flags]
    private enum Members
    {
        None = 0,
        Key = 1,
        Type = 2,
        Id = 4,
        Topic = 8,
        Data = 16,
        Headers = 32,
    }

    private static Members MemberOf(string name, bool requireTopic) => name switch
    {
        "key" => Members.Key,
        "type" => Members.Type,
        "id" => Members.Id,
        "topic" when requireTopic => Members.Topic,
        "data" => Members.Data,
        "headers" => Members.Headers,
        _ => Members.None, // not an event field: refused by name below
    };

    /// <summary>
    /// The string at the reader (a value or a member name), or false when it is not valid Unicode: an escaped lone
    /// surrogate such as <c>\ud800</c> (valid JSON, but no UTF-8 text), or bytes that are not UTF-8.
    /// </summary>
    private static bool TryGetString(in Utf8JsonReader reader, out string value)
    {
        try
        {
            value = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = string.Empty;
            return false;
        }
    }

    /// <summary>
    /// The string value at the reader in <paramref name="value"/> (null when the token is not a string), or the error
    /// naming <paramref name="field"/> when it is not valid Unicode.
    /// </summary>
    private static IngestError? StringValue(in Utf8JsonReader reader, string field, out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        if (!TryGetString(reader, out var text))
        {
            return NotUnicode(field);
        }

        value = text;
        return null;
    }

    /// <summary>A member name as written in the body, escapes and all (for one that is not valid Unicode).</summary>
    private static string Raw(in Utf8JsonReader reader) => Encoding.UTF8.GetString(reader.ValueSpan);

    private static IngestError NotUnicode(string field) =>
        Bad(field, "is not valid Unicode: it holds an unpaired UTF-16 surrogate escape (\\ud800 to \\udfff without its pair) or bytes that are not UTF-8; ids, keys, types, topics and headers are stored as UTF-8 text.");

    /// <summary>The body member that breaks the rule, as the user wrote it: <c>key</c>, <c>headers.Nats-Foo</c>, <c>headers</c>.</summary>
    internal static string FieldOf(EventRuleViolation broken) => broken.Part switch
    {
        EventPart.Id => "id",
        EventPart.Key => "key",
        EventPart.Type => "type",
        EventPart.HeaderName or EventPart.HeaderValue => "headers." + broken.Header,
        EventPart.Headers => "headers",
        _ => "data",
    };

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };
}
