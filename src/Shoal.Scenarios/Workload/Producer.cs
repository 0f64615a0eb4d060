using System.Diagnostics;
using System.Globalization;
using Shoal.Engine;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// Runs <c>shoal produce</c>: reserves a run (<see cref="ProduceRuns"/>), publishes its events in batches, in
/// order, with ids <c>{runId}-{n}</c> that the engine de-duplicates, so a batch retried after a transient engine
/// error is not stored twice; records how many leading events were acknowledged.
/// </summary>
public static class Producer
{
    /// <summary>Partitions of a topic the producer creates when <see cref="ProduceSettings.Partitions"/> is not set.</summary>
    public const int DefaultPartitions = 12;
    private const int Batch = 1024;

    /// <summary>
    /// How long one step retries transient errors unless <see cref="ProduceSettings.Timeout"/> says otherwise: generous,
    /// to ride out a partition and the JetStream elections after it heals (minutes of "no responders" were seen), yet an
    /// engine that is really gone still ends the run with the last error it gave.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan RecordInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Publishes one run. Transient engine errors are retried (each retry reported on <paramref name="error"/>); a
    /// publish that still fails ends the run early, with <see cref="ProduceReport.Failure"/> saying why.
    /// </summary>
    /// <param name="settings">What to publish, where.</param>
    /// <param name="services">What the engine gets (its logger).</param>
    /// <param name="error">Where retries and warnings go, one line each.</param>
    /// <param name="progress">Told how many events were acknowledged so far.</param>
    /// <param name="cancellationToken">Stops the run; the run record still says how far it got.</param>
    public static async Task<ProduceReport> RunAsync(
        ProduceSettings settings, EngineServices services, TextWriter error, IProgress<long> progress, CancellationToken cancellationToken)
    {
        OptionChecks.Positive("--timeout", settings.Timeout);
        var retrying = EngineRetries.ReportTo(error);
        var retryFor = settings.Timeout;

        // One attempt never outlives the deadline: a call that does not answer (a frozen or cut-off server) is abandoned at it.
        var attempts = retryFor < EngineRetries.DefaultAttemptTimeout ? retryFor : EngineRetries.DefaultAttemptTimeout;
        await using var engine = await EngineRetries.WithinAsync(
            () => EngineRetries.RunAsync(attempt => ShoalEngines.OpenAsync(settings.Engine, services, attempt), retryFor, cancellationToken, retrying, attempts), "connecting", "--timeout", retryFor);
        var (partitions, created) = await EngineRetries.WithinAsync(
            () => EngineRetries.RunAsync(attempt => EnsureTopicAsync(engine, settings, attempt), retryFor, cancellationToken, retrying, attempts), "creating the topic", "--timeout", retryFor);
        if (settings.Replicas > 1 && engine.Name.StartsWith(EngineUriSchemes.InProcess, StringComparison.Ordinal))
        {
            await error.WriteLineAsync($"note: --replicas {settings.Replicas} is ignored: {engine.Name} keeps one copy of each event.");
        }

        var clock = Stopwatch.StartNew();
        var run = new ProduceRun
        {
            RunId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 8),
            Keys = settings.Keys,
            Events = settings.Events,
            StartedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        var store = engine.Coordination;
        var (recordKey, revision, first) = await ProduceRuns.ReserveAsync(store, settings.Topic, run, cancellationToken);
        var index = long.Parse(recordKey.AsSpan(ProduceRuns.Prefix(settings.Topic).Length), CultureInfo.InvariantCulture);

        await using var runtime = ShoalRuntime.Create(engine, new ShoalOptions
        {
            EventTypes = ProducedEvent.Registry(),
            Serializers = ProducedEvent.Serializers(),
        });
        var keyNames = new string[Math.Min(settings.Keys, settings.Events)];
        for (var k = 0; k < keyNames.Length; k++)
        {
            keyNames[k] = ProducedEvent.KeyName(k);
        }

        long duplicates = 0;
        Exception? failure = null;
        var lastRecord = clock.Elapsed;
        var batch = new List<OutgoingEvent<ProducedEvent>>(Batch);
        try
        {
            for (long n = 0; n < settings.Events;)
            {
                var size = settings.Rate > 0 ? (int)Math.Clamp(settings.Rate / 20, 1, Batch) : Batch;
                var end = Math.Min(settings.Events, n + size);
                if (!await PacedAsync(settings.Rate, n, clock, cancellationToken))
                {
                    break; // stopped while waiting for the rate: report how far the run got
                }

                batch.Clear();
                for (var i = n; i < end; i++)
                {
                    var key = (int)(i % settings.Keys);
                    batch.Add(new OutgoingEvent<ProducedEvent>(
                        keyNames[key],
                        new ProducedEvent { Key = keyNames[key], Seq = first[key] + (i / settings.Keys), RunId = run.RunId })
                    {
                        Id = run.RunId + "-" + i.ToString(CultureInfo.InvariantCulture),
                    });
                }

                try
                {
                    duplicates += await PublishWithRetriesAsync(runtime.Publisher, settings.Topic, batch, retryFor, attempts, retrying, cancellationToken);
                }
                catch (EngineException ex) when (ex.IsTransient)
                {
                    failure = EngineRetries.Expired("publishing a batch", "--timeout", retryFor, ex);
                    break;
                }
                catch (ShoalException ex) when (ex is not ShoalConfigurationException)
                {
                    failure = ex;
                    break;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Ctrl+C / SIGTERM: stop publishing and report how far the run got (the caller exits 130).
                    break;
                }

                n = end;
                run.Acknowledged = n;
                progress.Report(n);
                if (clock.Elapsed - lastRecord >= RecordInterval)
                {
                    lastRecord = clock.Elapsed;
                    try
                    {
                        revision = await ProduceRuns.UpdateAsync(store, recordKey, run, revision, cancellationToken);
                    }
                    catch (EngineException)
                    {
                        // Progress records are periodic and the last one is written at the end (with retries): an
                        // engine failing over now must not stop a run whose events are still being acknowledged.
                    }
                }
            }
        }
        finally
        {
            // Whatever happened (done, failed, cancelled), say how far the run got; never more than was acknowledged.
            try
            {
                await EngineRetries.RunAsync(attempt => ProduceRuns.UpdateAsync(store, recordKey, run, revision, attempt), retryFor, CancellationToken.None, attemptTimeout: attempts);
            }
            catch (ShoalException ex)
            {
                // Keep the error that stopped the run; the record may lag behind (it never overstates).
                await error.WriteLineAsync($"warning: could not record that {run.Acknowledged} events were acknowledged: {ex.Message}");
            }
        }

        var elapsed = clock.Elapsed;
        var report = new ProduceReport
        {
            Topic = settings.Topic,
            RunId = run.RunId,
            Run = index,
            Requested = settings.Events,
            Acknowledged = run.Acknowledged,
            Duplicates = duplicates,
            Partitions = partitions,
            Keys = settings.Keys,
            Created = created,
            ElapsedMs = (long)elapsed.TotalMilliseconds,
            EventsPerSecond = elapsed.TotalSeconds > 0 ? Math.Round(run.Acknowledged / elapsed.TotalSeconds, 1) : 0,
            Failure = failure?.Message,
        };
        return report;
    }

    private static async ValueTask<(int Partitions, bool Created)> EnsureTopicAsync(IShoalEngine engine, ProduceSettings settings, CancellationToken cancellationToken)
    {
        if (await engine.Log.DescribeTopicAsync(settings.Topic, cancellationToken) is { } existing)
        {
            if (settings.Partitions is { } asked && asked != existing.Partitions)
            {
                throw new ShoalConfigurationException("--partitions",
                    $"topic '{settings.Topic}' already exists with {existing.Partitions} partitions; was {asked}. Leave --partitions out or use another topic.");
            }

            return (existing.Partitions, false);
        }

        // Never trim events for being committed: 'shoal verify' reads the topic from the start.
        var created = await engine.Log.CreateTopicAsync(
            new TopicOptions
            {
                Name = settings.Topic,
                Partitions = settings.Partitions ?? DefaultPartitions,
                Replicas = settings.Replicas,
                Retention = RetentionOptions.Default with { TrimCommitted = false },
            },
            cancellationToken);
        return (created.Partitions, true);
    }

    /// <summary>Publishes one batch, retrying transient engine errors with the same ids; returns how many were duplicates.</summary>
    private static Task<long> PublishWithRetriesAsync(
        IEventPublisher publisher, string topic, List<OutgoingEvent<ProducedEvent>> batch, TimeSpan retryFor, TimeSpan attemptTimeout,
        Action<EngineException, TimeSpan> retrying, CancellationToken cancellationToken) =>
        EngineRetries.RunAsync(async attempt => (long)(await publisher.PublishBatchAsync(topic, batch, attempt)).Count(r => r.Duplicate), retryFor, cancellationToken, retrying, attemptTimeout);

    /// <summary>Waits until the next events are due at <paramref name="rate"/>; false when stopped (cancelled) while waiting.</summary>
    private static async Task<bool> PacedAsync(double rate, long published, Stopwatch clock, CancellationToken cancellationToken)
    {
        if (rate <= 0)
        {
            return !cancellationToken.IsCancellationRequested;
        }

        // In seconds as a double: at a tiny rate the time an event is due may be beyond what a TimeSpan holds, and
        // beyond what one timer waits, so wait in steps.
        double due;
        try
        {
            while ((due = (published / rate) - clock.Elapsed.TotalSeconds) > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(due, Durations.Max.TotalSeconds)), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return !cancellationToken.IsCancellationRequested;
    }
}
