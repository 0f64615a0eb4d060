using System.Globalization;
using System.Runtime.CompilerServices;
using Shoal.Diagnostics;
using Shoal.Partitioning;

namespace Shoal.Processing;

/// <summary>
/// The per-event work of one partition: the key's partition check, parked-key check, type lookup, the handler with timeout and retries
/// (exponential backoff with jitter), then the dead-letter topic and the poison-key policy.
/// </summary>
/// <remarks>
/// A retry waits for its backoff only while the partition keeps starting events: when it stops (a graceful stop or a
/// hand-over), the wait ends at once and the event is left undone, neither handled nor dead-lettered, for the next
/// owner, which handles it from its first attempt. A stop therefore waits for handler calls running, never for a
/// backoff.
/// <para>
/// An attempt that fails because the engine is unavailable (the handler's error is, or wraps, a transient
/// <see cref="EngineException"/>, or it timed out while the node saw one) is not the handler's failure: it does not use
/// up an attempt, is not counted as failed, and never dead-letters the event. The event waits (with the engine backoff)
/// and tries the same attempt again, and the partition starts no new event meanwhile, until the engine answers or the
/// partition stops (a lost or expired lease suspends it).
/// </para>
/// </remarks>
internal sealed class EventProcessor : IEventProcessor
{
    private readonly GroupContext _group;
    private readonly ParkedKeys _parked;
    private readonly DeadLetterWriter _deadLetters;
    private readonly CancellationToken _stopStarting;
    private readonly CancellationToken _stop;
    private readonly long _epoch;
    private readonly TimeSpan _timeout;
    private readonly RetryOptions _retry;
    private readonly int _partitions;
    private readonly EnginePause _enginePause = new();
    private long _handled;
    private long _failed;

    /// <param name="group">The group whose handlers run.</param>
    /// <param name="parked">The partition's parked keys.</param>
    /// <param name="deadLetters">Where failed events go.</param>
    /// <param name="epoch">The partition lease's epoch, handed to handlers in <see cref="EventContext"/>.</param>
    /// <param name="stopStarting">Fires when the partition stops starting events: a retry waiting for its backoff gives up.</param>
    /// <param name="stop">Fires when the partition stops hard: the handler calls still running are cancelled.</param>
    public EventProcessor(GroupContext group, ParkedKeys parked, DeadLetterWriter deadLetters, long epoch, CancellationToken stopStarting, CancellationToken stop)
    {
        _stopStarting = stopStarting;
        _epoch = epoch;
        _group = group;
        _parked = parked;
        _deadLetters = deadLetters;
        _stop = stop;
        _timeout = group.Options.HandlerTimeout;
        _retry = group.Options.Retry;
        _partitions = group.TopicPartitions;
    }

    /// <summary>Events handled successfully by this partition's handlers.</summary>
    public long Handled => Interlocked.Read(ref _handled);

    /// <summary>Failed attempts (exceptions and timeouts).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ProcessAsync(EventEnvelope envelope, HandlerSlot slot)
    {
        _stop.ThrowIfCancellationRequested();
        if (envelope.Key is { } key)
        {
            if (_partitions > 0 && KeyHasher.PartitionFor(key, _partitions) is var home && home != envelope.Partition)
            {
                await WrongPartitionAsync(envelope, home);
                return;
            }

            if (_parked.Contains(key))
            {
                await _deadLetters.WriteAsync(envelope, ShoalHeaders.Reasons.Parked, null, 0, _stop);
                return;
            }
        }

        switch (_group.Handlers.Find(envelope.Type, out var invoker))
        {
            case HandlerLookup.UnknownType:
                await GiveUpAsync(envelope, ShoalHeaders.Reasons.UnknownType, new UnknownEventTypeException(envelope.Type), 0);
                return;
            case HandlerLookup.NoHandler:
                Telemetry.Ignored.Add(1, _group.Tags);
                return;
        }

        if (_enginePause.Active)
        {
            // Another event of the partition waits for the engine: start nothing new until it is back.
            await _enginePause.WhenClear().WaitAsync(_stopStarting);
        }

        using var activity = TraceContext.StartHandlerActivity(envelope, _group.Group);
        var paused = false;
        var engineFailures = 0;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                Exception failure;
                var started = Telemetry.HandlerDuration.Enabled ? _group.Time.GetTimestamp() : 0;
                var troubleBefore = _group.EngineTrouble.Failures;
                try
                {
                    var pending = invoker!.InvokeAsync(envelope, attempt, _epoch, slot.Token);
                    if (pending.IsCompleted)
                    {
                        pending.GetAwaiter().GetResult();
                    }
                    else
                    {
                        slot.Arm(_timeout);
                        try
                        {
                            await pending;
                        }
                        finally
                        {
                            slot.Disarm();
                        }
                    }

                    RecordDuration(started);
                    Interlocked.Increment(ref _handled);
                    if (Telemetry.Handled.Enabled)
                    {
                        Telemetry.Handled.Add(1, _group.Tags);
                    }

                    return;
                }
                catch (EventSerializationException ex)
                {
                    // Deterministic: retrying cannot help.
                    await GiveUpAsync(envelope, ShoalHeaders.Reasons.MalformedPayload, ex, attempt);
                    return;
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException ex) when (slot.TimedOut)
                {
                    failure = new TimeoutException($"The handler for '{envelope.Type}' did not finish within {_timeout}.", ex);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }

                RecordDuration(started);
                if (EngineTrouble.IsTransient(failure) || (failure is TimeoutException && _group.EngineTrouble.Failures != troubleBefore))
                {
                    // The engine is unreachable, not the handler wrong: the same attempt again once the engine answers.
                    engineFailures++;
                    if (!paused)
                    {
                        // Hold the partition's new events back while this one waits.
                        paused = true;
                        _enginePause.Enter();
                    }

                    RuntimeLog.HandlerEngineUnavailable(_group.Logger, _group.Group, envelope.Id, envelope.Topic, envelope.Partition, envelope.Offset, engineFailures, attempt, OneLine(failure.Message));
                    slot.Renew();
                    await Task.Delay(_group.EngineBackoff(engineFailures), _group.Time, _stopStarting);
                    _stopStarting.ThrowIfCancellationRequested();
                    attempt--;
                    continue;
                }

                engineFailures = 0;
                Interlocked.Increment(ref _failed);
                Telemetry.Failed.Add(1, _group.Tags);
                if (attempt >= _retry.MaxAttempts)
                {
                    // Logged once, with the stack trace, when the event is dead-lettered.
                    await GiveUpAsync(envelope, ShoalHeaders.Reasons.HandlerFailed, failure, attempt);
                    return;
                }

                // A failure that will be retried: one line without the stack trace; the stack trace at Debug.
                RuntimeLog.HandlerFailed(_group.Logger, _group.Group, envelope.Id, envelope.Type, envelope.Key, envelope.Topic, envelope.Partition, envelope.Offset, attempt, _retry.MaxAttempts, OneLine(failure.Message));
                RuntimeLog.HandlerFailureDetail(_group.Logger, failure, _group.Group, envelope.Id, envelope.Topic, envelope.Partition, envelope.Offset, attempt);

                // The partition stopping (not only stopping hard) ends the wait: the event has not been handled, and no
                // handler call runs for it, so it is left undone (the cancellation propagates) for the next owner.
                slot.Renew();
                await Task.Delay(_group.Backoff(_retry, attempt + 1), _group.Time, _stopStarting);
                _stopStarting.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            if (paused)
            {
                _enginePause.Exit();
            }
        }
    }

    /// <summary>
    /// A poison event: to the dead-letter topic, and under <see cref="PoisonKeyPolicy.Park"/> its key is parked,
    /// whatever made it poison (handler failure, malformed payload, unknown type), so strict order holds.
    /// </summary>
    private async ValueTask GiveUpAsync(EventEnvelope envelope, string reason, Exception error, int attempts)
    {
        await _deadLetters.WriteAsync(envelope, reason, error, attempts, _stop);
        if (_group.Options.PoisonKeyPolicy == PoisonKeyPolicy.Park && envelope.Key is { } poisonKey)
        {
            await _parked.ParkAsync(envelope, _stop);
            RuntimeLog.KeyParked(_group.Logger, _group.Group, poisonKey, envelope.Topic, envelope.Partition, envelope.Id, envelope.Offset, reason, OneLine(error.Message), _group.Options.DeadLetterTopic);
        }
    }

    /// <summary>
    /// A keyed event stored in a partition its key does not hash to (a producer computed the partition wrong): its
    /// key's other events are ordered in another partition, so handling it here would break per-key order. It goes to
    /// the dead-letter topic; its key is not parked (the key's own partition is healthy, and this partition holds
    /// none of its events but misrouted ones).
    /// </summary>
    private async ValueTask WrongPartitionAsync(EventEnvelope envelope, int home)
    {
        Telemetry.WrongPartition.Add(1, _group.Tags);
        RuntimeLog.WrongPartition(_group.Logger, _group.Group, envelope.Id, envelope.Key, envelope.Topic, envelope.Partition, envelope.Offset, home);
        var error = new ShoalException(string.Create(CultureInfo.InvariantCulture,
            $"Key '{envelope.Key}' belongs to partition {home} of {_partitions} (XxHash3_64 of its UTF-8 bytes mod {_partitions}); the event was stored in partition {envelope.Partition}."));
        await _deadLetters.WriteAsync(envelope, ShoalHeaders.Reasons.WrongPartition, error, 0, _stop);
    }

    /// <summary>An error message on one line, as a log line shows it.</summary>
    internal static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private void RecordDuration(long started)
    {
        if (started != 0)
        {
            Telemetry.HandlerDuration.Record(_group.Time.GetElapsedTime(started).TotalMilliseconds, _group.Tags);
        }
    }
}
