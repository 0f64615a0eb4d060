using System.Buffers;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Shoal.Server.Diagnostics;

namespace Shoal.Server.Ingest;

/// <summary>
/// <c>POST /v1/topics/{topic}/events</c>: reads the body (up to the limit), validates every event, then publishes the
/// batch. 202 with each event's partition and offset; problem details naming the field otherwise.
/// </summary>
internal sealed class IngestEndpoint(IEventPublisher publisher, ShoalServerOptions options, ILogger<IngestEndpoint> logger)
{
    public async Task<IResult> HandleAsync(HttpContext context, string topic)
    {
        if (!Names.IsValid(topic))
        {
            return Problems.Result(400, "Bad topic name", $"'{topic}' is not a topic name (1-200 of A-Z a-z 0-9 - _ .).", "topic");
        }

        var request = context.Request;
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

        var events = new List<ParsedEvent>();
        if (IngestParser.Parse(body.Memory, requireTopic: false, options.MaxBatchEvents, options.MaxEventBytes, events) is { } error)
        {
            return Problems.Result(error.Status, error.Status == 413 ? "Too large" : "Invalid event", $"'{error.Field}' {error.Message}", error.Field);
        }

        var incoming = IncomingTraceParent(request);
        using var activity = ServerTelemetry.StartIngest(topic, events.Count);
        var batch = new SerializedEvent[events.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = WithTrace(events[i].Event, incoming);
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
            return Problems.Result(400, "Invalid event", ex.Message, ex.Field);
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

    /// <summary>The caller's W3C <c>traceparent</c>, used only when no activity carries it (nobody listens to traces).</summary>
    private static string? IncomingTraceParent(HttpRequest request) =>
        Activity.Current is null && request.Headers.TryGetValue("traceparent", out var value) && ActivityContext.TryParse(value.ToString(), null, out _)
            ? value.ToString()
            : null;

    private static SerializedEvent WithTrace(SerializedEvent e, string? traceParent)
    {
        if (traceParent is null || e.Headers?.ContainsKey("traceparent") == true)
        {
            return e;
        }

        var headers = e.Headers is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(e.Headers, StringComparer.Ordinal);
        headers["traceparent"] = traceParent;
        return e with { Headers = headers };
    }

    private sealed class PooledBody(byte[] buffer, int length) : IDisposable
    {
        public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);

        public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
    }
}
