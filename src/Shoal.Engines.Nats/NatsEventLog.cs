using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Shoal.Engine;

namespace Shoal.Engines.Nats;

/// <summary>
/// The event log on JetStream: one stream per partition (<see cref="NatsNames"/>), so offset = stream sequence − 1 and
/// offsets are dense from 0. Topic descriptions are read from the partition-0 stream and cached (a topic's partition
/// count never changes). Appends go through the async publish window (<see cref="PublishAcks"/>); reads through
/// cached <see cref="PartitionCursor"/>s.
/// </summary>
internal sealed partial class NatsEventLog : IEventLog, IAsyncDisposable
{
    /// <summary>Idle cursors kept per partition; a reader that continues where it stopped finds its own.</summary>
    private const int IdleCursorsPerPartition = 2;

    private readonly NatsConnection _connection;
    private readonly NatsJSContext _js;
    private readonly NatsEngineOptions _options;
    private readonly ILogger _logger;
    private readonly PublishAcks _acks;
    private readonly ConcurrentDictionary<string, TopicDescription> _topics = new(StringComparer.Ordinal);
    private readonly Lock _cursorGate = new();
    private readonly Dictionary<(string Topic, int Partition), List<PartitionCursor>> _idleCursors = [];
    private bool _disposed;

    public NatsEventLog(NatsConnection connection, NatsJSContext js, NatsEngineOptions options, PublishAcks acks, int maxEventBytes)
    {
        _connection = connection;
        _js = js;
        _options = options;
        _logger = options.LoggerFactory.CreateLogger(typeof(NatsEngine).FullName!);
        _acks = acks;
        MaxEventBytes = maxEventBytes;
    }

    /// <summary>The largest event accepted: <see cref="NatsEngineOptions.MaxEventBytes"/>, capped by the server's <c>max_payload</c>.</summary>
    public int MaxEventBytes { get; }

    public async ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default)
    {
        await RequirePartitionAsync(topic, partition, cancellationToken);
        if (destination.IsEmpty)
        {
            return 0;
        }

        var from = Math.Max(0, fromOffset);
        var cursor = TakeIdleCursor(topic, partition, from)
            ?? await Call(topic, () => PartitionCursor.OpenAsync(_js, topic, partition, from, _options.ReadAhead, _logger, cancellationToken));
        try
        {
            var count = await cursor.ReadAsync(destination, cancellationToken);
            ReturnCursor(topic, partition, cursor);
            return count;
        }
        catch (OperationCanceledException)
        {
            ReturnCursor(topic, partition, cursor);
            throw;
        }
        catch
        {
            await cursor.DisposeAsync();
            throw;
        }
    }

    public async ValueTask<PartitionOffsets> GetOffsetsAsync(string topic, int partition, CancellationToken cancellationToken = default)
    {
        await RequirePartitionAsync(topic, partition, cancellationToken);
        var stream = await Call(topic, () => _js.GetStreamAsync(NatsNames.Stream(topic, partition), cancellationToken: cancellationToken));
        var state = NatsStreamState.OfLeader(stream.Info) ?? throw new EngineException(
            $"NATS: partition {partition} of topic '{topic}' has no stream leader (an election is under way), so its offsets are not known yet.", isTransient: true);
        var end = (long)state.LastSeq;
        var start = state.FirstSeq == 0 ? 0 : Math.Min((long)state.FirstSeq - 1, end);
        return new PartitionOffsets(start, end);
    }

    public async ValueTask DisposeAsync()
    {
        List<PartitionCursor> cursors;
        lock (_cursorGate)
        {
            _disposed = true;
            cursors = [.. _idleCursors.Values.SelectMany(c => c)];
            _idleCursors.Clear();
        }

        foreach (var cursor in cursors)
        {
            await cursor.DisposeAsync();
        }
    }

    private async ValueTask<TopicDescription> RequirePartitionAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var description = await DescribeTopicAsync(topic, cancellationToken) ?? throw new TopicNotFoundException(topic ?? "(null)");
        if ((uint)partition >= (uint)description.Partitions)
        {
            throw new ShoalConfigurationException("partition", $"topic '{topic}' has partitions 0 to {description.Partitions - 1}; {partition} is out of range.");
        }

        return description;
    }

    private PartitionCursor? TakeIdleCursor(string topic, int partition, long from)
    {
        lock (_cursorGate)
        {
            if (_idleCursors.TryGetValue((topic, partition), out var idle))
            {
                var index = idle.FindIndex(c => c.Next == from);
                if (index >= 0)
                {
                    var cursor = idle[index];
                    idle.RemoveAt(index);
                    return cursor;
                }
            }

            return null;
        }
    }

    private void ReturnCursor(string topic, int partition, PartitionCursor cursor)
    {
        PartitionCursor? evicted = null;
        lock (_cursorGate)
        {
            if (_disposed)
            {
                evicted = cursor;
            }
            else
            {
                if (!_idleCursors.TryGetValue((topic, partition), out var idle))
                {
                    _idleCursors[(topic, partition)] = idle = [];
                }

                idle.Add(cursor);
                if (idle.Count > IdleCursorsPerPartition)
                {
                    evicted = idle[0];
                    idle.RemoveAt(0);
                }
            }
        }

        if (evicted is not null)
        {
            // Fire and forget: stopping a cursor only unsubscribes; the caller need not wait for it.
            _ = evicted.DisposeAsync().AsTask();
        }
    }

    /// <summary>Runs a JetStream call, turning its errors into Shoal's: a missing stream is a missing topic, the rest name NATS.</summary>
    private static async ValueTask<T> Call<T>(string topic, Func<ValueTask<T>> call)
    {
        try
        {
            return await call();
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == NatsErrors.StreamNotFound)
        {
            throw new TopicNotFoundException(topic);
        }
        catch (NatsException e)
        {
            throw NatsErrors.Failure($"NATS request for topic '{topic}' failed: {NatsErrors.Describe(e)}", e);
        }
    }
}
