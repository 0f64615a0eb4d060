using System.Diagnostics;

namespace Shoal.Diagnostics;

/// <summary>
/// W3C trace context in event headers: the publisher writes the current <see cref="Activity"/>'s <c>traceparent</c>
/// (and <c>tracestate</c>) into each event it publishes, unless the event already carries one (its name in any case);
/// the consumer starts the handler's activity as a child of it. See docs/server.md (Tracing) and docs/wire-format.md.
/// Public for gateways that publish events on behalf of others (the HTTP server adds the request's trace context with
/// it before it checks events, so the event checked is the event stored).
/// </summary>
public static class TraceContext
{
    /// <summary>The W3C header carrying version, trace id, parent span id and flags.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The W3C header carrying vendor-specific trace state.</summary>
    public const string TraceState = "tracestate";

    /// <summary>The current activity's W3C context to inject, or default when there is none (or it is not W3C).</summary>
    public static (string? Parent, string? State) Current()
    {
        var activity = Activity.Current;
        return activity is { IdFormat: ActivityIdFormat.W3C } ? (activity.Id, activity.TraceStateString) : default;
    }

    /// <summary>
    /// The headers to store: <paramref name="headers"/> as given when there is no trace context to add or they carry
    /// their own <c>traceparent</c> (in any case: <c>TraceParent</c> is the same header); otherwise a copy with it
    /// added, and <c>tracestate</c> with it unless they carry their own (the caller's dictionary is never changed).
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Inject(IReadOnlyDictionary<string, string>? headers, (string? Parent, string? State) trace)
    {
        if (trace.Parent is null || TryGet(headers, TraceParent, out _))
        {
            return headers;
        }

        var copy = headers is null ? new Dictionary<string, string>(2, StringComparer.Ordinal) : new Dictionary<string, string>(headers, StringComparer.Ordinal);
        copy[TraceParent] = trace.Parent;
        if (!string.IsNullOrEmpty(trace.State) && !TryGet(headers, TraceState, out _))
        {
            copy[TraceState] = trace.State;
        }

        return copy;
    }

    /// <summary>
    /// The value of the header <paramref name="name"/> (lower case), matched ignoring case: header names are
    /// case-insensitive (W3C writes them in lower case, HTTP and NATS compare them ignoring case), and the event rules
    /// allow one header of a name in any case.
    /// </summary>
    public static bool TryGet(IReadOnlyDictionary<string, string>? headers, string name, out string value)
    {
        value = string.Empty;
        if (headers is null || headers.Count == 0)
        {
            return false;
        }

        if (headers.TryGetValue(name, out var exact))
        {
            value = exact;
            return true;
        }

        foreach (var (key, found) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                value = found;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Starts the handler's activity, a child of the event's <c>traceparent</c> when it has a valid one. Null when
    /// nobody listens to the <c>Shoal</c> activity source (the common, free case).
    /// </summary>
    internal static Activity? StartHandlerActivity(in EventEnvelope envelope, string group)
    {
        if (!Telemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        if (TryGet(envelope.Headers, TraceParent, out var traceParent))
        {
            var traceState = TryGet(envelope.Headers, TraceState, out var state) ? state : null;
            if (!ActivityContext.TryParse(traceParent, traceState, isRemote: true, out parent))
            {
                parent = default;
            }
        }

        var activity = Telemetry.ActivitySource.StartActivity("shoal.handle", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.destination.name", envelope.Topic);
            activity.SetTag("messaging.consumer.group.name", group);
            activity.SetTag("messaging.message.id", envelope.Id);
            activity.SetTag("messaging.destination.partition.id", envelope.Partition);
            activity.SetTag("shoal.event.type", envelope.Type);
        }

        return activity;
    }
}
