using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Server.Diagnostics;

namespace Shoal.Server.Status;

/// <summary>
/// Re-reads every topic and group every <see cref="ShoalServerOptions.StatusInterval"/> (from the store and the log, as
/// any observer could), computes rates against the previous read, and hands the snapshot to the dashboard's event
/// streams and to the <c>shoal.partition.lag</c> gauge.
/// </summary>
internal sealed class StatusPoller : BackgroundService
{
    private readonly IShoalEngine _engine;
    private readonly ShoalServerOptions _options;
    private readonly ClusterStatusReader _status;
    private readonly ILogger<StatusPoller> _logger;
    private readonly Meter _meter = new(ShoalDiagnostics.MeterName);
    private readonly Lock _gate = new();
    private DashboardSnapshot? _latest;
    private byte[] _latestJson = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Dictionary<string, long> _lastEnds = [];
    private Dictionary<(string Group, string Topic), long> _lastCommitted = [];

    public StatusPoller(IShoalEngine engine, ShoalServerOptions options, ILogger<StatusPoller> logger)
    {
        _engine = engine;
        _options = options;
        _status = new ClusterStatusReader(engine, options.TimeProvider, options.SessionTtl);
        _logger = logger;

        // Lag is measured here, by one observer reading committed and end offsets, rather than by each worker: a worker
        // sees only its own partitions and stops reporting one the moment it moves, so per-worker gauges double-count
        // or vanish across a rebalance.
        _meter.CreateObservableGauge("shoal.partition.lag", ObserveLag, "{event}", "Events appended but not committed, per group and partition.");
    }

    /// <summary>The last snapshot, or null before the first read.</summary>
    public DashboardSnapshot? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>The last snapshot as UTF-8 JSON, and a task completing when a newer one exists.</summary>
    public (byte[] Json, Task Changed) Current
    {
        get
        {
            lock (_gate)
            {
                return (_latestJson, _changed.Task);
            }
        }
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    /// <summary>Reads once now (the loop does this every interval).</summary>
    public async Task<DashboardSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        var time = _options.TimeProvider;
        DashboardSnapshot snapshot;
        try
        {
            snapshot = await ReadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ServerLog.StatusFailed(_logger, ex);
            snapshot = (Latest ?? new DashboardSnapshot(time.GetUtcNow(), [], [], null)) with { At = time.GetUtcNow(), Error = ex.Message };
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(snapshot, ServerJsonContext.Default.DashboardSnapshot);
        TaskCompletionSource changed;
        lock (_gate)
        {
            _latest = snapshot;
            _latestJson = json;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        return snapshot;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.StatusInterval, _options.TimeProvider);
        do
        {
            await RefreshAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<DashboardSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var now = _options.TimeProvider.GetUtcNow();
        var previousAt = Latest?.At;
        var seconds = previousAt is { } at && now > at ? (now - at).TotalSeconds : 0;
        var topics = new List<TopicRate>();
        var ends = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var topic in (await _engine.Log.ListTopicsAsync(cancellationToken)).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            long end = 0;
            for (var p = 0; p < topic.Partitions; p++)
            {
                end += (await _engine.Log.GetOffsetsAsync(topic.Name, p, cancellationToken)).End;
            }

            ends[topic.Name] = end;
            double? rate = seconds > 0 && _lastEnds.TryGetValue(topic.Name, out var last) ? Math.Max(0, end - last) / seconds : null;
            topics.Add(new TopicRate(topic.Name, topic.Partitions, end, rate));
        }

        var groups = new List<GroupResponse>();
        var committed = new Dictionary<(string, string), long>();
        foreach (var group in await _status.ListGroupsAsync(cancellationToken))
        {
            if (await _status.ReadGroupAsync(group, cancellationToken) is not { } status)
            {
                continue;
            }

            var rates = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var topic in status.Topics)
            {
                var sum = topic.Partitions.Sum(p => p.Committed ?? p.Start);
                committed[(group, topic.Topic)] = sum;
                if (seconds > 0 && _lastCommitted.TryGetValue((group, topic.Topic), out var last))
                {
                    rates[topic.Topic] = Math.Max(0, sum - last) / seconds;
                }
            }

            groups.Add(StatusMapper.ToResponse(status, rates));
        }

        _lastEnds = ends;
        _lastCommitted = committed;
        return new DashboardSnapshot(now, topics, groups, null);
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        var snapshot = Latest;
        if (snapshot is null)
        {
            yield break;
        }

        foreach (var group in snapshot.Groups)
        {
            foreach (var topic in group.Topics)
            {
                foreach (var partition in topic.Partitions)
                {
                    yield return new Measurement<long>(partition.Lag,
                        new KeyValuePair<string, object?>("shoal.group", group.Group),
                        new KeyValuePair<string, object?>("shoal.topic", topic.Topic),
                        new KeyValuePair<string, object?>("shoal.partition", partition.Partition));
                }
            }
        }
    }
}
