using Shoal.Cluster;
using Shoal.Engine;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// What <c>shoal verify</c> knows so far: the topic's produce runs, the events found in the topic (marked as produced
/// in a <see cref="GuaranteeChecker"/>) and the records found in the group's record topic (recorded in it with their
/// epochs). Both topics are read incrementally, partition by partition, from where the last pass stopped; a new
/// produce run changes the verifier's capacity and starts the scan over.
/// </summary>
internal sealed class VerifyScan
{
    private const int ReadBatch = 1024;
    private readonly IShoalEngine _engine;
    private readonly string _topic;
    private readonly string _group;
    private readonly string _recordTopic;
    private readonly int _partitions;
    private readonly EventEnvelope[] _buffer = new EventEnvelope[ReadBatch];
    private List<ProduceRun> _runs = [];
    private GuaranteeChecker _verifier = new(Array.Empty<long>());
    private long[] _sourcePosition;
    private long[] _recordPosition;
    private readonly WaitingFor? _waitingFor;
    private bool _recordTopicExists;

    public VerifyScan(IShoalEngine engine, string topic, string group, int partitions, WaitingFor? waitingFor = null)
    {
        _waitingFor = waitingFor;
        _engine = engine;
        _topic = topic;
        _group = group;
        _recordTopic = HandledRecord.TopicFor(topic, group);
        _partitions = partitions;
        _sourcePosition = new long[partitions];
        _recordPosition = new long[partitions];
    }

    /// <summary>Events in the topic that are not <c>shoal produce</c> events of a known run.</summary>
    public long UnexpectedEvents { get; private set; }

    /// <summary>Records in the record topic for events no produce run published.</summary>
    public long UnexpectedRecords { get; private set; }

    /// <summary>Events trimmed from the topic before they could be read (they cannot be checked).</summary>
    public long Trimmed { get; private set; }

    /// <summary>The end offset of each partition at the last pass.</summary>
    public long[] Ends => _sourcePosition;

    public IReadOnlyList<ProduceRun> Runs => _runs;

    /// <summary>One pass: new runs, new events, committed offsets, new records. Returns the total lag (end − committed).</summary>
    public async Task<long> PassAsync(CancellationToken cancellationToken)
    {
        await RefreshRunsAsync(cancellationToken);
        var unexpectedBefore = UnexpectedEvents;
        await ReadSourceAsync(cancellationToken);
        if (UnexpectedEvents > unexpectedBefore && await RefreshRunsAsync(cancellationToken))
        {
            // A run reserved after the listing published already: scan again with it.
            await ReadSourceAsync(cancellationToken);
        }

        // Offsets after the events, records after the offsets: a record is stored before its event is committed,
        // so every event below a committed offset read here has its record in the record topic read below.
        var lag = await LagAsync(cancellationToken);
        await ReadRecordsAsync(cancellationToken);
        return lag;
    }

    /// <summary>
    /// Marks every event the runs report as acknowledged as expected; returns how many of them were not found in the
    /// topic (acknowledged, then lost by the engine). Call once, after the last pass.
    /// </summary>
    public long MarkAcknowledged()
    {
        long missing = 0;
        var first = new long[_verifier.KeyCount];
        foreach (var run in _runs)
        {
            for (long n = 0; n < run.Acknowledged; n++)
            {
                var key = (int)(n % run.Keys);
                if (_verifier.MarkProduced(key, first[key] + (n / run.Keys)))
                {
                    missing++;
                }
            }

            for (var k = 0; k < run.Keys; k++)
            {
                first[k] += run.EventsOfKey(k);
            }
        }

        return missing;
    }

    public GuaranteeCounts Check() => _verifier.Check();

    private void Doing(string what)
    {
        if (_waitingFor is not null)
        {
            _waitingFor.What = what;
        }
    }

    private async Task<bool> RefreshRunsAsync(CancellationToken cancellationToken)
    {
        Doing($"the list of produce runs of topic '{_topic}'");
        var runs = (await ProduceRuns.ListAsync(_engine.Coordination, _topic, cancellationToken)).Select(r => r.Run).ToList();
        var same = runs.Count == _runs.Count && runs.Zip(_runs).All(p => p.First.RunId == p.Second.RunId);
        _runs = runs;
        if (same)
        {
            return false;
        }

        _verifier = new GuaranteeChecker(ProduceRuns.Capacity(runs));
        _sourcePosition = new long[_partitions];
        _recordPosition = new long[_partitions];
        UnexpectedEvents = UnexpectedRecords = Trimmed = 0;
        return true;
    }

    private async Task ReadSourceAsync(CancellationToken cancellationToken)
    {
        for (var p = 0; p < _partitions; p++)
        {
            await ReadPartitionAsync(_topic, p, _sourcePosition, countTrimmed: true, (in EventEnvelope e) =>
            {
                if (ProducedEvent.TryDecode(in e) is { } produced
                    && ProducedEvent.TryParseKey(produced.Key, out var key) && _verifier.Contains(key, produced.Seq))
                {
                    _verifier.MarkProduced(key, produced.Seq);
                }
                else
                {
                    UnexpectedEvents++;
                }
            }, cancellationToken);
        }
    }

    private async Task ReadRecordsAsync(CancellationToken cancellationToken)
    {
        Doing($"the description of record topic '{_recordTopic}'");
        _recordTopicExists = _recordTopicExists || await _engine.Log.DescribeTopicAsync(_recordTopic, cancellationToken) is not null;
        if (!_recordTopicExists)
        {
            return;
        }

        for (var p = 0; p < _partitions; p++)
        {
            await ReadPartitionAsync(_recordTopic, p, _recordPosition, countTrimmed: false, (in EventEnvelope e) =>
            {
                if (e.Type == HandledRecord.TypeName && e.ContentType == ContentTypes.Json && HandledRecord.TryDecode(e.Payload) is { } record
                    && ProducedEvent.TryParseKey(record.Key, out var key) && _verifier.Contains(key, record.Seq))
                {
                    _verifier.Record(key, record.Seq, record.Epoch);
                }
                else
                {
                    UnexpectedRecords++;
                }
            }, cancellationToken);
        }
    }

    private async Task<long> LagAsync(CancellationToken cancellationToken)
    {
        Doing($"the committed offsets of group '{_group}'");
        var committed = await CommittedOffset.ReadGroupAsync(_engine.Coordination, _topic, _group, cancellationToken);
        long lag = 0;
        for (var p = 0; p < _partitions; p++)
        {
            lag += Math.Max(0, _sourcePosition[p] - (committed.TryGetValue(p, out var c) ? c.Offset : 0));
        }

        return lag;
    }

    private delegate void Visit(in EventEnvelope envelope);

    private async Task ReadPartitionAsync(string topic, int partition, long[] positions, bool countTrimmed, Visit visit, CancellationToken cancellationToken)
    {
        Doing($"the offsets of partition {partition} of '{topic}'");
        var end = (await _engine.Log.GetOffsetsAsync(topic, partition, cancellationToken)).End;
        while (positions[partition] < end)
        {
            Doing($"a read of partition {partition} of '{topic}' from offset {positions[partition]} (end {end})");
            var count = await _engine.Log.ReadAsync(topic, partition, positions[partition], _buffer, cancellationToken);
            for (var i = 0; i < count; i++)
            {
                if (countTrimmed && _buffer[i].Offset > positions[partition])
                {
                    Trimmed += _buffer[i].Offset - positions[partition];
                }

                visit(in _buffer[i]);
                positions[partition] = _buffer[i].Offset + 1;
            }

            Array.Clear(_buffer, 0, count);
        }
    }
}
