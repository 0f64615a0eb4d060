using System.Collections.Concurrent;
using System.Diagnostics;
using Shoal.Serialization;

namespace Shoal.Testing;

/// <summary>
/// Sees every handler call of the node under test (it decorates every handler registration): records the calls that
/// succeeded, the calls running and the last failure of each event, and redelivers each event once when asked.
/// </summary>
internal sealed class HandlerRecorder(bool redeliver) : IEventHandlerDecorator
{
    private readonly ConcurrentDictionary<string, List<HandledEvent>> _handled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<CallKey, RunningCall> _running = new();
    private readonly ConcurrentDictionary<CallKey, string> _failures = new();
    private readonly bool _redeliver = redeliver;

    /// <summary>The serializers the runtime uses; set when the node's options are built, before any call.</summary>
    public EventSerializers Serializers { get; set; } = null!;

    public IEventHandler<TEvent> Decorate<TEvent>(IEventHandler<TEvent> handler) => new RecordingHandler<TEvent>(handler, this);

    public IReadOnlyList<HandledEvent> Handled(string group)
    {
        if (!_handled.TryGetValue(group, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }

    /// <summary>What is known of the event at <paramref name="offset"/>: a call running, or its last failure; null if neither.</summary>
    public string? Describe(string group, int partition, long offset)
    {
        var key = new CallKey(group, partition, offset);
        if (_running.TryGetValue(key, out var call))
        {
            return $"handler running for {call.Elapsed.TotalSeconds:0.0} s (attempt {call.Attempt}{(call.Redelivery ? ", redelivery" : "")})";
        }

        return _failures.TryGetValue(key, out var failure) ? failure : null;
    }

    private void Record(HandledEvent handled)
    {
        var list = _handled.GetOrAdd(handled.Group, _ => []);
        lock (list)
        {
            list.Add(handled);
        }
    }

    private readonly record struct CallKey(string Group, int Partition, long Offset);

    private sealed class RunningCall(int attempt, bool redelivery)
    {
        private readonly long _started = Stopwatch.GetTimestamp();

        public int Attempt { get; } = attempt;

        public bool Redelivery { get; } = redelivery;

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);
    }

    private sealed class RecordingHandler<TEvent>(IEventHandler<TEvent> inner, HandlerRecorder recorder) : IEventHandler<TEvent>
    {
        // Events whose first call succeeded and whose redelivery has not yet: a retry of the event only repeats the
        // redelivery, with the attempt it had reached (the value).
        private readonly ConcurrentDictionary<CallKey, int> _firstDone = new();

        public async ValueTask HandleAsync(TEvent @event, EventContext context, CancellationToken cancellationToken)
        {
            var key = new CallKey(context.Group, context.Partition, context.Offset);
            if (!_firstDone.TryGetValue(key, out var firstAttempt))
            {
                await CallAsync(key, @event, context, redelivery: false, cancellationToken);
                if (!recorder._redeliver)
                {
                    return;
                }

                firstAttempt = context.Attempt;
                _firstDone[key] = firstAttempt;
            }

            // The redelivery: a fresh copy of the event (a handler may have changed the first), attempts counted anew,
            // and the epoch of a new owner.
            var again = Deserialize(context.Envelope);
            var redelivered = new EventContext(context.Envelope, context.Group, context.Attempt - firstAttempt + 1, context.Epoch + 1);
            await CallAsync(key, again, redelivered, redelivery: true, cancellationToken);
            _firstDone.TryRemove(key, out _);
        }

        private async ValueTask CallAsync(CallKey key, TEvent @event, EventContext context, bool redelivery, CancellationToken cancellationToken)
        {
            recorder._running[key] = new RunningCall(context.Attempt, redelivery);
            try
            {
                await inner.HandleAsync(@event, context, cancellationToken);
            }
            catch (Exception ex)
            {
                recorder._failures[key] = $"attempt {context.Attempt}{(redelivery ? " of the redelivery" : "")} failed ({OneLine(ex.Message)}); waiting to retry or to be dead-lettered";
                throw;
            }
            finally
            {
                recorder._running.TryRemove(key, out _);
            }

            recorder._failures.TryRemove(key, out _);
            recorder.Record(new HandledEvent
            {
                Group = context.Group,
                Topic = context.Topic,
                Partition = context.Partition,
                Offset = context.Offset,
                Id = context.Id,
                Key = context.Key,
                Type = context.Type,
                Event = @event!,
                Payload = context.Envelope.Payload,
                Headers = context.Headers,
                Attempt = context.Attempt,
                Redelivery = redelivery,
            });
        }

        private TEvent Deserialize(in EventEnvelope envelope) =>
            recorder.Serializers.TryGetByContentType(envelope.ContentType, out var serializer)
                ? serializer.Deserialize<TEvent>(envelope.Payload)
                : throw new ShoalException($"The redelivery of event '{envelope.Id}' cannot read its content type '{envelope.ContentType}'.");

        private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
    }
}
