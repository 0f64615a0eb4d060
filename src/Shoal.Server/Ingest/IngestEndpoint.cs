using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Shoal.Diagnostics;
using Shoal.Server.Diagnostics;

namespace Shoal.Server.Ingest;

/// <summary>
/// <c>POST /v1/topics/{topic}/events</c>: reads the body (up to the limit), validates every event, then publishes the
/// batch. 202 with each event's partition and offset; problem details naming the field otherwise.
/// </summary>
internal sealed partial class IngestEndpoint(IEventPublisher publisher, ShoalServerOptions options, ILogger<IngestEndpoint> logger)
{
    public async Task<IResult> HandleAsync(HttpContext context, string topic)
    {
        if (!NameRules.IsValid(topic))
        {
            return Problems.Result(400, "Bad topic name", $"'{topic}' is not a topic name (1-200 of A-Z a-z 0-9 - _ .).", "topic");
        }

        var request = context.Request;
        if (JsonBody.Refuse(request) is { } unsupported)
        {
            return unsupported;
        }

        if (request.ContentLength > options.MaxRequestBytes)
        {
            if (request.ContentLength <= options.MaxRequestBytes + ShoalServer.DrainBytes)
            {
                await DrainAsync(request.Body, new byte[16_384], context.RequestAborted);
            }

            return TooLarge(request.ContentLength.Value);
        }

        using var body = await ReadBodyAsync(request, context.RequestAborted);
        if (body is null)
        {
            return TooLarge(null);
        }

        // The ingest activity first: its trace context is what the events carry, added (and checked) by the parser
        // (IngestParser.TraceToAdd decides), so the publisher adds none after the check.
        using var activity = ServerTelemetry.StartIngest(topic);
        var events = new List<ParsedEvent>();
        if (IngestParser.Parse(body.Memory, requireTopic: false, options.MaxBatchEvents, options.MaxEventBytes, events, CallerTraceParent(request)) is { } error)
        {
            return Problems.Result(error.Status, error.Status == 413 ? "Too large" : "Invalid event", $"'{error.Field}' {error.Message}", error.Field);
        }

        activity?.SetTag("messaging.batch.message_count", events.Count);
        var batch = new SerializedEvent[events.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = events[i].Event;
        }

        try
        {
            var results = await publisher.PublishSerializedBatchAsync(topic, batch, context.RequestAborted);
            return TypedResults.Json(new IngestResponse(topic, [.. results.Select(r => new IngestedEvent(r.Id, r.Partition, r.Offset, r.Duplicate))]),
                ServerJsonContext.Default.IngestResponse, statusCode: 202);
        }
        catch (TopicNotFoundException)
        {
            return Problems.Result(404, "Unknown topic", $"Topic '{topic}' does not exist; create it with PUT /v1/topics/{topic}.", "topic");
        }
        catch (EventTooLargeException ex)
        {
            return Problems.Result(413, "Too large", ex.Message + " Events of other partitions may have been stored: retry the batch with the same ids.", "data");
        }
        catch (ShoalConfigurationException ex)
        {
            var (field, message) = RequestField(ex, events);
            return Problems.Result(400, "Invalid event", $"'{field}' {message}", field);
        }
        catch (ShoalException ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            ServerLog.IngestFailed(logger, ex, topic, events.Count);
            context.Response.Headers.RetryAfter = "1";
            return Problems.Result(503, "Engine unavailable",
                $"The engine failed: {ex.Message} Some partitions' events may have been stored; retry the whole batch with the same ids (de-duplication stores each event once).",
                null);
        }
    }

    /// <summary>The request's <c>traceparent</c> header, for <see cref="IngestParser.TraceToAdd"/>.</summary>
    private static string? CallerTraceParent(HttpRequest request) =>
        request.Headers.TryGetValue(TraceContext.TraceParent, out var value) ? value.ToString() : null;

    private IResult TooLarge(long? length) => Problems.Result(413, "Too large",
        $"The body{(length is { } l ? $" is {l} bytes and" : string.Empty)} exceeds the limit of {options.MaxRequestBytes} bytes.", "body");

    /// <summary>
    /// The body in a pooled buffer, or null when it exceeds the limit. A body found too large is read on (and discarded)
    /// up to <see cref="ShoalServer.DrainBytes"/> more, so the client, still sending, gets the 413 rather than a reset connection.
    /// </summary>
    private async Task<PooledBody?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = options.MaxRequestBytes;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, Math.Max(request.ContentLength ?? 4096, 256) + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    await DrainAsync(request.Body, buffer, cancellationToken);
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
            }

            return new PooledBody(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static async Task DrainAsync(Stream body, byte[] scratch, CancellationToken cancellationToken)
    {
        long drained = 0;
        try
        {
            int read;
            while (drained < ShoalServer.DrainBytes && (read = await body.ReadAsync(scratch, cancellationToken)) > 0)
            {
                drained += read;
            }
        }
        catch (BadHttpRequestException)
        {
            // Past Kestrel's own cap (the limit plus the drain allowance): it closes the connection after the 413.
        }
    }

    /// <summary>
    /// A refusal by the publisher or the engine (<see cref="EventRules.Validate"/>: <c>events[2].Headers["x"]</c>,
    /// <c>events[2].Key</c>) named as the request's body names it (<c>[2].headers.x</c>, <c>[2].key</c>, or
    /// <c>key</c> for a lone event object), like the parser's own errors. The event is the one whose id the message
    /// names when the request gave that id (an engine counts within its partition's part), else the publisher's index
    /// (the request's order).
    /// </summary>
    internal static (string Field, string Message) RequestField(ShoalConfigurationException refused, IReadOnlyList<ParsedEvent> events)
    {
        var prefix = refused.Field + ": ";
        var message = refused.Message.StartsWith(prefix, StringComparison.Ordinal) ? refused.Message[prefix.Length..] : refused.Message;
        if (PublisherField().Match(refused.Field) is not { Success: true } match)
        {
            return (refused.Field, message);
        }

        var index = int.Parse(match.Groups["index"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        if (PublisherEvent().Match(message) is { Success: true } named)
        {
            var id = named.Groups["id"].Value;
            for (var i = 0; i < events.Count; i++)
            {
                if (events[i].Event.Id == id)
                {
                    index = i;
                    break;
                }
            }

            message = message[named.Length..];
        }

        var member = match.Groups["header"].Success ? "headers." + match.Groups["header"].Value : match.Groups["member"].Value switch
        {
            "Id" => "id",
            "Key" => "key",
            "Type" => "type",
            "Headers" => "headers",
            _ => "data",
        };
        var path = index < events.Count ? events[index].Path : string.Create(CultureInfo.InvariantCulture, $"[{index}]");
        return (path.Length == 0 ? member : path + "." + member, message);
    }

    /// <summary><c>events[3].Key</c>, <c>events[3].Headers["a b"]</c>: the publisher's and engines' form (<see cref="EventRuleViolation.Path"/>).</summary>
    [GeneratedRegex("""^events\[(?<index>[0-9]+)\]\.(?:Headers\["(?<header>.*)"\]|(?<member>[A-Za-z]+))$""", RegexOptions.CultureInvariant)]
    private static partial Regex PublisherField();

    /// <summary>The <c>event 'ID': </c> that <see cref="EventRules.Validate"/> puts before what is wrong.</summary>
    [GeneratedRegex("""^event '(?<id>.*?)': """, RegexOptions.CultureInvariant)]
    private static partial Regex PublisherEvent();

    private sealed class PooledBody(byte[] buffer, int length) : IDisposable
    {
        public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);

        public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
    }
}
