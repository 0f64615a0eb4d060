using NATS.Client.Core;
using Shoal.Engine;

namespace Shoal.Engines.Nats;

/// <summary>The NATS JetStream engine: one connection, the event log on streams, the coordination store on a KV bucket.</summary>
internal sealed class NatsShoalEngine : IShoalEngine
{
    private readonly NatsConnection _connection;
    private readonly PublishAcks _acks;
    private readonly NatsEventLog _log;
    private int _disposed;

    public NatsShoalEngine(string name, NatsConnection connection, PublishAcks acks, NatsEventLog log, NatsCoordinationStore store)
    {
        Name = name;
        _connection = connection;
        _acks = acks;
        _log = log;
        Coordination = store;
    }

    public string Name { get; }

    public IEventLog Log => _log;

    /// <summary>The log's internals (tests read its size limit).</summary>
    internal NatsEventLog EventLog => _log;

    /// <summary>The NATS connection (tests and the benchmark publish raw messages on it).</summary>
    internal NatsConnection Connection => _connection;

    public ICoordinationStore Coordination { get; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _log.DisposeAsync();
        await _acks.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
