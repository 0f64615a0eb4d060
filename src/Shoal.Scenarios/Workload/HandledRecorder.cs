using Shoal.Engine;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// Appends <see cref="HandledRecord"/>s to the record topic in batches (group commit): handlers add their record and
/// await the append of the batch it joined, so an event is done only once its record is stored. One append per
/// record partition is in flight at a time; records that arrive meanwhile form the next batch. The pending batch is
/// bounded by the handlers in flight (each waits for its own record).
/// </summary>
/// <remarks>
/// An append that fails with an <see cref="EngineException"/> (a server failing over) is retried for up to
/// <see cref="RetryFor"/> rather than failing the handler: otherwise an engine outage longer than the group's retries
/// would dead-letter events that were handled perfectly well. Record ids are deterministic (member, epoch, partition,
/// offset) and de-duplicated, so an append that was stored although its answer was lost is not stored twice.
/// </remarks>
internal sealed class HandledRecorder
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    private readonly IEventLog _log;
    private readonly string _topic;
    private readonly Lock _gate = new();
    private List<EventEnvelope> _pending = [];
    private TaskCompletionSource _pendingDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _flushing;
    private long _recorded;

    public HandledRecorder(IEventLog log, string recordTopic)
    {
        _log = log;
        _topic = recordTopic;
    }

    /// <summary>Records appended so far.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Adds a record; completes when it is appended (faults when the append failed: the event is retried).</summary>
    public Task RecordAsync(HandledRecord record)
    {
        var envelope = new EventEnvelope(
            $"h.{record.Member}.{record.Epoch}.{record.Partition}.{record.Offset}",
            _topic,
            record.Key,
            HandledRecord.TypeName,
            record.Encode())
        {
            Partition = record.Partition,
            Timestamp = DateTimeOffset.UtcNow,
            Deduplicate = true,
        };
        lock (_gate)
        {
            _pending.Add(envelope);
            var done = _pendingDone.Task;
            if (!_flushing)
            {
                _flushing = true;
                _ = Task.Run(FlushLoopAsync);
            }

            return done;
        }
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            List<EventEnvelope> batch;
            TaskCompletionSource done;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _flushing = false;
                    return;
                }

                (batch, done) = (_pending, _pendingDone);
                _pending = [];
                _pendingDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            try
            {
                await Task.WhenAll(batch.GroupBy(e => e.Partition).Select(AppendAsync));
                Interlocked.Add(ref _recorded, batch.Count);
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }
    }

    private async Task AppendAsync(IGrouping<int, EventEnvelope> partition)
    {
        var events = partition.ToArray();
        var results = new AppendedEvent[events.Length];
        await EngineRetries.RunAsync(
            async attempt =>
            {
                await _log.AppendAsync(_topic, partition.Key, events, results, attempt);
                return true;
            },
            RetryFor,
            CancellationToken.None);
    }
}
