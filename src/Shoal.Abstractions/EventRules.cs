using System.Globalization;
using System.Text;

namespace Shoal;

/// <summary>
/// What every event must be to be stored, on every engine (docs/wire-format.md, "Event rules"). The rules are those of
/// a NATS message header block, where an event's id, type, key, content type and headers travel, as a real
/// <c>nats-server</c> and NATS.Net refuse or change them; the embedded engines apply the same ones, so an event one
/// engine accepts every engine stores unchanged.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Header names: one or more printable ASCII characters (<c>!</c> to <c>~</c>) other than <c>:</c>; unique
/// ignoring case (NATS headers are case-insensitive); not reserved (<see cref="IsReservedHeaderName"/>).</item>
/// <item>Header values, and the id, key, type and content type (each a header value on NATS): no CR or LF, no space
/// or tab at either end (NATS trims them), no unpaired UTF-16 surrogate (UTF-8 on the wire); a header value is not
/// null.</item>
/// <item>The header block as NATS carries it is at most <see cref="MaxHeaderBlockBytes"/> bytes
/// (<see cref="HeaderBlockBytes"/>).</item>
/// </list>
/// Payload sizes are each engine's own limit (<see cref="EventTooLargeException"/>).
/// </remarks>
public static class EventRules
{
    /// <summary>The largest header block JetStream stores (it refuses "header size exceeds maximum allowed of 64k").</summary>
    public const int MaxHeaderBlockBytes = 65_535;

    /// <summary>The length of <see cref="EventEnvelope.Timestamp"/> as a header value (ISO 8601 round-trip, UTC).</summary>
    public const int TimestampLength = 28;

    /// <summary>"NATS/1.0\r\n" before the header lines and "\r\n" after them.</summary>
    private const int BlockOverhead = 12;

    /// <summary>": " and "\r\n" around each value.</summary>
    private const int LineOverhead = 4;

    /// <summary>Up to this many headers, names are compared in pairs (no allocation); beyond, through a set.</summary>
    private const int SmallHeaderCount = 8;

    /// <summary>Header blocks this short in characters (at most 3 UTF-8 bytes each) need no exact byte count.</summary>
    private const int QuickLimit = (MaxHeaderBlockBytes - 512) / 3;

    /// <summary>
    /// True for the names an application header may not use: the envelope's own headers
    /// (<see cref="ShoalHeaders.Envelope"/>) and JetStream's <c>Nats-*</c>, ignoring case.
    /// </summary>
    public static bool IsReservedHeaderName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.StartsWith(ShoalHeaders.Envelope.ReservedPrefix, StringComparison.OrdinalIgnoreCase)
            || name.Equals(ShoalHeaders.Envelope.Id, StringComparison.OrdinalIgnoreCase)
            || name.Equals(ShoalHeaders.Envelope.Type, StringComparison.OrdinalIgnoreCase)
            || name.Equals(ShoalHeaders.Envelope.Key, StringComparison.OrdinalIgnoreCase)
            || name.Equals(ShoalHeaders.Envelope.Timestamp, StringComparison.OrdinalIgnoreCase)
            || name.Equals(ShoalHeaders.Envelope.ContentType, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Checks every event of a batch before anything of it is stored, and throws <see cref="ShoalConfigurationException"/>
    /// naming the first event and field that breaks a rule, e.g. <c>events[3].Headers["a b"]</c>.
    /// </summary>
    public static void Validate(ReadOnlySpan<EventEnvelope> events)
    {
        for (var i = 0; i < events.Length; i++)
        {
            if (Check(events[i]) is { } violation)
            {
                throw new ShoalConfigurationException(
                    string.Create(CultureInfo.InvariantCulture, $"events[{i}].{violation.Path}"),
                    $"event '{events[i].Id}': {violation.Message}");
            }
        }
    }

    /// <summary>The first rule <paramref name="e"/> breaks, or null when it meets them all.</summary>
    public static EventRuleViolation? Check(in EventEnvelope e)
    {
        if (!e.HasGeneratedId && CheckValue(e.Id) is { } id)
        {
            return new EventRuleViolation(EventPart.Id, null, id);
        }

        if (CheckValue(e.Key) is { } key)
        {
            return new EventRuleViolation(EventPart.Key, null, key);
        }

        if (CheckValue(e.Type) is { } type)
        {
            return new EventRuleViolation(EventPart.Type, null, type);
        }

        if (CheckValue(e.ContentType) is { } contentType)
        {
            return new EventRuleViolation(EventPart.ContentType, null, contentType);
        }

        long chars = e.IdLength + Length(e.Type) + Length(e.Key) + Length(e.ContentType) + (Deduplicated(e) ? e.IdLength : 0);
        if (e.Headers is { Count: > 0 } headers)
        {
            if (CheckHeaders(headers, ref chars) is { } header)
            {
                return header;
            }
        }

        if (chars > QuickLimit && HeaderBlockBytes(e) is var bytes and > MaxHeaderBlockBytes)
        {
            return new EventRuleViolation(EventPart.Headers, null,
                string.Create(CultureInfo.InvariantCulture,
                    $"the headers take {bytes} bytes as a NATS header block; the limit is {MaxHeaderBlockBytes} (application headers, id, type, key, content type and timestamp, each as 'Name: value' plus 4 bytes)."));
        }

        return null;
    }

    /// <summary>
    /// The size of the event's NATS header block: 12 bytes, plus for every header line (the envelope's
    /// <c>Shoal-Id</c>, <c>Shoal-Type</c>, <c>Shoal-Key</c> when keyed, <c>Content-Type</c>, <c>Shoal-Timestamp</c>,
    /// <c>Nats-Msg-Id</c> when the event asks for de-duplication, then each application header) the name, the value's
    /// UTF-8 bytes and 4.
    /// </summary>
    public static long HeaderBlockBytes(in EventEnvelope e)
    {
        long size = BlockOverhead;
        size += Line(ShoalHeaders.Envelope.Id, e.Id);
        size += Line(ShoalHeaders.Envelope.Type, e.Type);
        if (e.Key is not null)
        {
            size += Line(ShoalHeaders.Envelope.Key, e.Key);
        }

        size += Line(ShoalHeaders.Envelope.ContentType, e.ContentType ?? ContentTypes.Json);
        size += ShoalHeaders.Envelope.Timestamp.Length + TimestampLength + LineOverhead;
        if (Deduplicated(e))
        {
            size += Line(ShoalHeaders.Envelope.MsgId, e.Id);
        }

        if (e.Headers is { Count: > 0 } headers)
        {
            foreach (var (name, value) in headers)
            {
                size += Line(name ?? string.Empty, value);
            }
        }

        return size;
    }

    /// <summary>
    /// The nearest text that meets the value rules: CR and LF become spaces, spaces and tabs at either end go, an
    /// unpaired surrogate becomes U+FFFD. For values Shoal writes from text it does not control (error messages).
    /// </summary>
    public static string ToHeaderValue(string? text)
    {
        if (string.IsNullOrEmpty(text) || CheckValue(text) is null)
        {
            return text ?? string.Empty;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\r' or '\n')
            {
                builder.Append(' ');
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString().Trim(' ', '\t');
    }

    /// <summary>Why <paramref name="name"/> is not a valid header name, or null when it is (reserved names are checked apart).</summary>
    public static string? CheckHeaderName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a header name must not be empty.";
        }

        if (name.AsSpan().IndexOfAnyExceptInRange('!', '~') >= 0 || name.Contains(':', StringComparison.Ordinal))
        {
            return $"'{name}' is not a valid header name: use printable ASCII (! to ~) other than ':' (no space, no control character, no non-ASCII letter).";
        }

        return null;
    }

    /// <summary>Why <paramref name="value"/> cannot be a header value (or id, key, type, content type), or null when it can. Null is allowed here.</summary>
    public static string? CheckValue(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var span = value.AsSpan();
        if (span.IndexOfAny('\r', '\n') is var line and >= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"holds a {(span[line] == '\r' ? "CR" : "LF")} at index {line}; values must be one line.");
        }

        if (span[0] is ' ' or '\t' || span[^1] is ' ' or '\t')
        {
            return "begins or ends with a space or tab, which NATS trims; remove it.";
        }

        var surrogate = span.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (surrogate >= 0)
        {
            if (!char.IsHighSurrogate(span[surrogate]) || surrogate + 1 >= span.Length || !char.IsLowSurrogate(span[surrogate + 1]))
            {
                return string.Create(CultureInfo.InvariantCulture, $"holds an unpaired UTF-16 surrogate at index {surrogate}; it is not valid Unicode (values are UTF-8).");
            }

            var next = span[(surrogate + 2)..].IndexOfAnyInRange('\uD800', '\uDFFF');
            surrogate = next < 0 ? -1 : surrogate + 2 + next;
        }

        return null;
    }

    private static EventRuleViolation? CheckHeaders(IReadOnlyDictionary<string, string> headers, ref long chars)
    {
        var count = 0;
        foreach (var (name, value) in headers)
        {
            if (CheckHeaderName(name) is { } badName)
            {
                return new EventRuleViolation(EventPart.HeaderName, name ?? string.Empty, badName);
            }

            if (IsReservedHeaderName(name!))
            {
                return new EventRuleViolation(EventPart.HeaderName, name, $"'{name}' is reserved (Shoal-Id, Shoal-Type, Shoal-Key, Shoal-Timestamp, Content-Type and Nats-* carry the envelope on NATS); rename it.");
            }

            if (value is null)
            {
                return new EventRuleViolation(EventPart.HeaderValue, name, "must not be null.");
            }

            if (CheckValue(value) is { } badValue)
            {
                return new EventRuleViolation(EventPart.HeaderValue, name, badValue);
            }

            chars += name!.Length + value.Length + LineOverhead;
            count++;
        }

        return count > 1 ? CheckCaseDuplicates(headers) : null;
    }

    /// <summary>NATS header names are case-insensitive: two names that differ only in case would arrive as one.</summary>
    private static EventRuleViolation? CheckCaseDuplicates(IReadOnlyDictionary<string, string> headers)
    {
        if (headers is Dictionary<string, string> { Comparer: var comparer } && ReferenceEquals(comparer, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        if (headers.Count <= SmallHeaderCount)
        {
            // A few names (trace context, a tenant): compare pairs rather than allocate a set per event.
            var index = 0;
            foreach (var name in headers.Keys)
            {
                var other = 0;
                foreach (var earlier in headers.Keys)
                {
                    if (other++ >= index)
                    {
                        break;
                    }

                    if (string.Equals(name, earlier, StringComparison.OrdinalIgnoreCase))
                    {
                        return Repeated(name, earlier);
                    }
                }

                index++;
            }

            return null;
        }

        var seen = new Dictionary<string, string>(headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var name in headers.Keys)
        {
            if (!seen.TryAdd(name, name))
            {
                return Repeated(name, seen[name]);
            }
        }

        return null;
    }

    private static EventRuleViolation Repeated(string name, string earlier) =>
        new(EventPart.HeaderName, name, $"'{name}' and '{earlier}' differ only in case; header names are case-insensitive on NATS, so one would be lost.");

    private static bool Deduplicated(in EventEnvelope e) => e.Deduplicate && e.IdLength > 0;

    private static int Length(string? text) => text?.Length ?? 0;

    private static long Line(string name, string? value) =>
        name.Length + (value is null ? 0 : Encoding.UTF8.GetByteCount(value)) + LineOverhead;
}
