using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Shoal.Engine;

namespace Shoal.Engines.Nats;

internal sealed partial class NatsEventLog
{
    /// <summary>Streams created at once when a topic is created.</summary>
    private const int CreateParallelism = 32;

    /// <remarks>
    /// Partitions 1…N−1 are created first and partition 0, which carries the description, last: a topic is visible
    /// (<see cref="DescribeTopicAsync"/>) only once all its streams exist. Two processes creating the same topic at once
    /// both succeed when they ask for the same options (JetStream accepts an identical stream config again); with a
    /// different partition count the later one fails on partition 0 and reports the existing count (streams it made
    /// beyond that count stay behind, unused).
    /// </remarks>
    public async ValueTask<TopicDescription> CreateTopicAsync(TopicOptions topic, CancellationToken cancellationToken = default)
    {
        if (topic is null)
        {
            throw new ShoalConfigurationException("topic", "must not be null.");
        }

        topic.Validate();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (await DescribeTopicAsync(topic.Name, cancellationToken) is { } existing)
        {
            return SamePartitions(existing, topic);
        }

        var effective = topic with { Replicas = topic.Replicas ?? _options.DefaultReplicas ?? 1 };
        var storage = _options.TopicStorage.TryGetValue(topic.Name, out var chosen) ? chosen : _options.Storage;
        for (var first = 1; first < topic.Partitions; first += CreateParallelism)
        {
            var last = Math.Min(topic.Partitions, first + CreateParallelism);
            await Task.WhenAll(Enumerable.Range(first, last - first)
                .Select(p => CreateStreamAsync(effective, storage, p, null, cancellationToken).AsTask()));
        }

        var created = await CreateStreamAsync(effective, storage, 0, TopicRecord.Encode(effective, storage), cancellationToken);
        if (!created)
        {
            _topics.TryRemove(topic.Name, out _);
            var other = await DescribeTopicAsync(topic.Name, cancellationToken)
                ?? throw new EngineException($"Topic '{topic.Name}': stream {NatsNames.Stream(topic.Name, 0)} exists but is not a Shoal topic.");
            return SamePartitions(other, topic);
        }

        var description = new TopicDescription(topic.Name, topic.Partitions, effective);
        _topics[topic.Name] = description;
        return description;
    }

    public async ValueTask<TopicDescription?> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (topic is null || !NameRules.IsValid(topic))
        {
            return null;
        }

        if (_topics.TryGetValue(topic, out var cached))
        {
            return cached;
        }

        try
        {
            var stream = await _js.GetStreamAsync(NatsNames.Stream(topic, 0), cancellationToken: cancellationToken);
            var options = TopicRecord.Decode(topic, stream.Info.Config.Description);
            if (options is null)
            {
                return null;
            }

            var description = new TopicDescription(topic, options.Partitions, options);
            _topics[topic] = description;
            return description;
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == NatsErrors.StreamNotFound)
        {
            return null;
        }
        catch (NATS.Client.Core.NatsException e)
        {
            throw NatsErrors.Failure($"NATS: describing topic '{topic}' failed: {NatsErrors.Describe(e)}", e);
        }
    }

    public async ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var topics = new List<TopicDescription>();
        try
        {
            await foreach (var stream in _js.ListStreamsAsync(NatsNames.FirstPartitionFilter, cancellationToken))
            {
                var config = stream.Info.Config;
                var subject = config.Subjects?.FirstOrDefault();
                if (subject is null || !subject.StartsWith(NatsNames.SubjectRoot + ".", StringComparison.Ordinal) || !subject.EndsWith(".0", StringComparison.Ordinal))
                {
                    continue;
                }

                var name = NatsNames.TopicFromToken(subject[(NatsNames.SubjectRoot.Length + 1)..^2]);
                if (TopicRecord.Decode(name, config.Description) is { } options)
                {
                    var description = new TopicDescription(name, options.Partitions, options);
                    _topics.TryAdd(name, description);
                    topics.Add(description);
                }
            }
        }
        catch (NATS.Client.Core.NatsException e)
        {
            throw NatsErrors.Failure($"NATS: listing topics failed: {NatsErrors.Describe(e)}", e);
        }

        topics.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return topics;
    }

    private static TopicDescription SamePartitions(TopicDescription existing, TopicOptions asked)
    {
        if (existing.Partitions != asked.Partitions)
        {
            throw new ShoalConfigurationException("TopicOptions.Partitions",
                $"topic '{asked.Name}' exists with {existing.Partitions} partitions; cannot create it with {asked.Partitions}.");
        }

        return existing;
    }

    /// <summary>Creates one partition's stream; false when a stream of that name exists with another configuration.</summary>
    private async ValueTask<bool> CreateStreamAsync(TopicOptions topic, NatsStorage storage, int partition, string? description, CancellationToken cancellationToken)
    {
        var retention = topic.Retention;
        var maxAge = retention.MaxAge == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : retention.MaxAge;
        var window = topic.DeduplicationWindow > TimeSpan.Zero ? topic.DeduplicationWindow : TimeSpan.FromSeconds(1);
        if (maxAge > TimeSpan.Zero && window > maxAge)
        {
            window = maxAge;
        }

        var config = new StreamConfig(NatsNames.Stream(topic.Name, partition), [NatsNames.Subject(topic.Name, partition)])
        {
            Description = description,
            Storage = storage == NatsStorage.Memory ? StreamConfigStorage.Memory : StreamConfigStorage.File,
            NumReplicas = topic.Replicas ?? 1,
            Retention = StreamConfigRetention.Limits,
            Discard = StreamConfigDiscard.Old,
            MaxMsgs = retention.MaxEventsPerPartition == long.MaxValue ? -1 : retention.MaxEventsPerPartition,
            MaxBytes = _options.ApplyByteLimits && retention.MaxBytesPerPartition != long.MaxValue ? retention.MaxBytesPerPartition : -1,
            MaxAge = maxAge,
            DuplicateWindow = window,
            AllowDirect = true,
        };

        try
        {
            await _js.CreateStreamAsync(config, cancellationToken);
            return true;
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == NatsErrors.StreamNameInUse)
        {
            return false;
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == NatsErrors.ReplicasNotSupported || e.Error.ErrCode == NatsErrors.InsufficientResources)
        {
            throw new ShoalConfigurationException("TopicOptions.Replicas",
                $"topic '{topic.Name}' with {topic.Replicas} replicas: {e.Error.Description} (a topic cannot have more replicas than the NATS cluster has JetStream servers).");
        }
        catch (NATS.Client.Core.NatsException e)
        {
            throw NatsErrors.Failure($"NATS: creating stream {config.Name} for topic '{topic.Name}' failed: {NatsErrors.Describe(e)}", e);
        }
    }
}
