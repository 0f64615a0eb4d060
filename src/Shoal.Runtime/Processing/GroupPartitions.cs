using Shoal.Diagnostics;

namespace Shoal.Processing;

/// <summary>
/// The node's partitions of one group: a consumer per partition it owns and a commit loop. On a single node it owns
/// every partition; the cluster layer decides ownership through <see cref="AddPartitionAsync"/> and
/// <see cref="RemovePartitionAsync"/>.
/// </summary>
internal sealed class GroupPartitions : IAsyncDisposable
{
    private readonly GroupContext _context;
    private readonly Dictionary<int, PartitionConsumer> _partitions = [];
    private readonly CancellationTokenSource _stopCommits = new();
    private Task _commitLoop = Task.CompletedTask;
    private long _commitsRejected;
    private long _handledGone;
    private long _failedGone;

    public GroupPartitions(GroupContext context) => _context = context;

    public GroupContext Context => _context;

    public string Name => _context.Group;

    /// <summary>Creates the dead-letter topic, starts every partition and the commit loop.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var log = _context.Engine.Log;
        var topic = await log.DescribeTopicAsync(_context.Topic, cancellationToken)
            ?? throw new ShoalConfigurationException("GroupOptions.Topic", $"group '{_context.Group}' reads topic '{_context.Topic}', which does not exist; add it to ShoalOptions.Topics.");
        var deadLetters = await log.CreateTopicAsync(new TopicOptions { Name = _context.Options.DeadLetterTopic, Partitions = topic.Partitions }, cancellationToken);
        _context.DeadLetterPartitions = deadLetters.Partitions;
        _context.TopicPartitions = topic.Partitions;
        PartitionCount = topic.Partitions;
        if (_context.Options.PartitionOwnership == PartitionOwnership.All)
        {
            for (var partition = 0; partition < topic.Partitions; partition++)
            {
                await AddPartitionAsync(partition, null, null, cancellationToken);
            }
        }

        _commitLoop = Task.Factory.StartNew(CommitLoopAsync, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _context.Scheduler).Unwrap();
    }

    /// <summary>The topic's partition count (known once started).</summary>
    public int PartitionCount { get; private set; }

    /// <summary>Commits rejected on this node because a newer owner had fenced the partition.</summary>
    public long CommitsRejected => Interlocked.Read(ref _commitsRejected) + Partitions.Sum(p => p.CommitsRejected);

    /// <summary>Handled and failed counts over this node's life in the group (partitions that left included).</summary>
    public (long Handled, long Failed) Counts
    {
        get
        {
            var partitions = Partitions;
            return (Interlocked.Read(ref _handledGone) + partitions.Sum(p => p.Handled), Interlocked.Read(ref _failedGone) + partitions.Sum(p => p.Failed));
        }
    }

    /// <summary>
    /// Starts consuming a partition from its committed offset, fenced by <paramref name="epoch"/> when given;
    /// <paramref name="holder"/> (the lease's holder) is told if a newer epoch fences it later.
    /// </summary>
    public async Task AddPartitionAsync(int partition, long? epoch, IPartitionLeaseHolder? holder, CancellationToken cancellationToken)
    {
        if ((uint)partition >= (uint)PartitionCount)
        {
            throw new ShoalConfigurationException(nameof(partition), $"topic '{_context.Topic}' has partitions 0..{PartitionCount - 1}; was {partition}.");
        }

        lock (_partitions)
        {
            if (_partitions.ContainsKey(partition))
            {
                throw new InvalidOperationException($"Partition {partition} of '{_context.Topic}' already runs in group '{_context.Group}'.");
            }
        }

        var consumer = new PartitionConsumer(_context, partition);
        if (holder is not null && epoch is { } fence)
        {
            // Runs inside the fenced consumer's commit: only report; the holder of the lease decides what follows.
            consumer.OnFenced = fenced => holder.OnPartitionFenced(Name, fenced.Partition, fence);
        }

        await consumer.StartAsync(epoch, cancellationToken);
        lock (_partitions)
        {
            _partitions.Add(partition, consumer);
        }
    }

    /// <summary>Stops a partition at once without committing (its lease was lost) and forgets it.</summary>
    public async Task AbandonPartitionAsync(int partition)
    {
        PartitionConsumer? consumer;
        lock (_partitions)
        {
            if (!_partitions.Remove(partition, out consumer))
            {
                return;
            }
        }

        // Count after the abandon: a commit in flight may still be rejected, and running handlers may still finish.
        await consumer.AbandonAsync(_context.Options.DrainTimeout);
        Interlocked.Add(ref _commitsRejected, consumer.CommitsRejected);
        Interlocked.Add(ref _handledGone, consumer.Handled);
        Interlocked.Add(ref _failedGone, consumer.Failed);
        await consumer.DisposeAsync();
    }

    /// <summary>Suspends the partition's consumer when it runs here under <paramref name="epoch"/> (see <see cref="PartitionConsumer.Suspend"/>).</summary>
    public bool SuspendPartition(int partition, long epoch) =>
        Find(partition, epoch) is { } consumer && consumer.Suspend();

    /// <summary>Resumes the partition's consumer when it runs here under <paramref name="epoch"/> (see <see cref="PartitionConsumer.ResumeAsync"/>).</summary>
    public async Task<bool> ResumePartitionAsync(int partition, long epoch) =>
        Find(partition, epoch) is { } consumer && await consumer.ResumeAsync();

    private PartitionConsumer? Find(int partition, long epoch)
    {
        lock (_partitions)
        {
            return _partitions.TryGetValue(partition, out var consumer) && consumer.Epoch == epoch ? consumer : null;
        }
    }

    /// <summary>Stops a partition gracefully (start nothing more, wait for the running handlers, commit) and forgets it.</summary>
    public async Task RemovePartitionAsync(int partition, CancellationToken cancellationToken)
    {
        PartitionConsumer? consumer;
        lock (_partitions)
        {
            if (!_partitions.Remove(partition, out consumer))
            {
                return;
            }
        }

        await consumer.StopAsync(_context.Options.DrainTimeout, cancellationToken);
        Interlocked.Add(ref _commitsRejected, consumer.CommitsRejected);
        Interlocked.Add(ref _handledGone, consumer.Handled);
        Interlocked.Add(ref _failedGone, consumer.Failed);
        await consumer.DisposeAsync();
    }

    /// <summary>The partitions this node consumes, with their progress.</summary>
    public IReadOnlyList<PartitionConsumer> Partitions
    {
        get
        {
            lock (_partitions)
            {
                return [.. _partitions.Values.OrderBy(p => p.Partition)];
            }
        }
    }

    /// <summary>Commits every partition whose watermark moved.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in Partitions)
        {
            try
            {
                await partition.CommitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _context.EngineTrouble.Observe(ex);
                RuntimeLog.CommitFailed(_context.Logger, ex, _context.Group, _context.Topic, partition.Partition);
            }
        }
    }

    /// <summary>Stops every partition gracefully (in parallel) and the commit loop.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopCommits.Cancel(); // not CancelAsync: it runs callbacks on the thread pool, outside the injected scheduler
        await _commitLoop;
        int[] owned;
        lock (_partitions)
        {
            owned = [.. _partitions.Keys];
        }

        await Task.WhenAll(owned.Select(p => RemovePartitionAsync(p, cancellationToken)));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopCommits.Dispose();
    }

    private async Task CommitLoopAsync()
    {
        using var timer = new PeriodicTimer(_context.Options.CommitInterval, _context.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopCommits.Token))
            {
                await CommitAsync(_stopCommits.Token);
            }
        }
        catch (OperationCanceledException) when (_stopCommits.IsCancellationRequested)
        {
        }
    }
}
