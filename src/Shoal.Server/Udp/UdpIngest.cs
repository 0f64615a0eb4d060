using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoal.Engine;
using Shoal.Partitioning;
using Shoal.Server.Diagnostics;
using Shoal.Server.Ingest;

namespace Shoal.Server.Udp;

/// <summary>
/// Opt-in UDP ingest, the only at-most-once path into Shoal: one JSON event per datagram
/// (<c>{"topic", "key", "type", "data", "id"?, "headers"?}</c>). Valid datagrams queue (bounded) and are published in
/// batches per topic; malformed ones (including an event the publisher or engine refuses), those arriving while the
/// queue is full, and those whose publish fails are counted (<c>shoal.udp.datagrams</c> by outcome) and dropped. Nothing is acknowledged, nothing is retried, and there
/// is no authentication: bind it to loopback or a trusted network only.
/// </summary>
internal sealed class UdpIngest : BackgroundService
{
    public const int QueueCapacity = 65_536;
    public const int MaxBatch = 1_000;

    private readonly IEventPublisher _publisher;
    private readonly IShoalEngine _engine;
    private readonly ConcurrentDictionary<string, int> _partitions = new(StringComparer.Ordinal);
    private readonly ShoalServerOptions _options;
    private readonly ILogger<UdpIngest> _logger;
    private readonly Channel<ParsedEvent> _queue = Channel.CreateBounded<ParsedEvent>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _socket;
    private long _accepted;
    private long _malformed;
    private long _dropped;

    public UdpIngest(IEventPublisher publisher, IShoalEngine engine, ShoalServerOptions options, ILogger<UdpIngest> logger)
    {
        _publisher = publisher;
        _engine = engine;
        _options = options;
        _logger = logger;
    }

    /// <summary>The endpoint actually bound (port 0 in the options picks a free one).</summary>
    public Task<IPEndPoint> Bound => _bound.Task;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Malformed => Interlocked.Read(ref _malformed);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Binds the socket before the receive loop starts, so an address that cannot be bound fails the server's start with a <see cref="SocketException"/>.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoint = _options.UdpEndpoint!;
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.ReceiveBufferSize = 4 << 20;
            socket.Bind(endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        var bound = (IPEndPoint)socket.LocalEndPoint!;
        _bound.TrySetResult(bound);
        ServerLog.UdpListening(_logger, bound.ToString());
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var socket = _socket!;
        var publishing = PublishLoopAsync(stoppingToken);
        try
        {
            await ReceiveLoopAsync(socket, stoppingToken);
        }
        finally
        {
            _queue.Writer.TryComplete();
            await publishing;
        }
    }

    private async Task ReceiveLoopAsync(Socket socket, CancellationToken stoppingToken)
    {
        var buffer = new byte[65_536];
        var parsed = new List<ParsedEvent>(1);
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stoppingToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = (await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stoppingToken)).ReceivedBytes;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                // E.g. an ICMP port-unreachable reported on a later receive: nothing to do with the next datagram.
                continue;
            }

            // The payload must outlive this buffer: copy the datagram before parsing (events point into it).
            var datagram = buffer.AsMemory(0, length).ToArray();
            if (!Parse(datagram, parsed))
            {
                Interlocked.Increment(ref _malformed);
                ServerTelemetry.Udp("malformed");
                continue;
            }

            if (!_queue.Writer.TryWrite(parsed[0]))
            {
                Interlocked.Increment(ref _dropped);
                ServerTelemetry.Udp("dropped");
            }
        }
    }

    private async Task PublishLoopAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        var byTopic = new Dictionary<string, List<SerializedEvent>>(StringComparer.Ordinal);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var count = 0;
                while (count < MaxBatch && reader.TryRead(out var item))
                {
                    if (!byTopic.TryGetValue(item.Topic!, out var list))
                    {
                        byTopic[item.Topic!] = list = [];
                    }

                    list.Add(item.Event);
                    count++;
                }

                foreach (var (topic, events) in byTopic)
                {
                    if (events.Count == 0)
                    {
                        continue;
                    }

                    await PublishAsync(topic, events, stoppingToken);
                    events.Clear();
                }

                if (byTopic.Count > 1_024)
                {
                    byTopic.Clear(); // many one-off topic names (most unknown): do not keep a list for each
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Reads one datagram's event into <paramref name="parsed"/> under its own <c>shoal.ingest</c> activity (when
    /// traces are listened to), so the parser adds that activity's trace headers and checks the event with them, as
    /// for an HTTP request: an event they take over a limit is malformed here, and the publisher adds none later.
    /// </summary>
    private bool Parse(ReadOnlyMemory<byte> datagram, List<ParsedEvent> parsed)
    {
        using var activity = ServerTelemetry.StartIngest(null);
        if (IngestParser.Parse(datagram, requireTopic: true, maxEvents: 1, _options.MaxEventBytes, parsed, callerTraceParent: null) is not null || parsed.Count != 1)
        {
            return false;
        }

        activity?.SetTag("messaging.destination.name", parsed[0].Topic);
        return true;
    }

    /// <summary>
    /// Publishes one topic's batch of queued events and counts each event's outcome. One event the publisher or the
    /// engine refuses for what it is (<see cref="ShoalConfigurationException"/>, <see cref="EventTooLargeException"/>)
    /// is counted <c>malformed</c> alone and every other event is stored: the batch is published one partition at a
    /// time (each partition's append is all or nothing, so a refused part stored nothing), the partitions concurrently,
    /// and a refused part is halved until the events refused are found. An engine error fails only its partition's part.
    /// </summary>
    internal async Task PublishAsync(string topic, IReadOnlyList<SerializedEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        int partitions;
        try
        {
            partitions = await PartitionsAsync(topic, cancellationToken);
        }
        catch (ShoalException ex)
        {
            Failed(topic, events.Count, ex);
            return;
        }

        // The publisher places a keyed event on KeyHasher.PartitionFor(key, partitions) (a datagram's event always has a
        // key); one without a key is published on its own.
        var parts = new Dictionary<int, List<SerializedEvent>>();
        var unkeyed = -1;
        foreach (var e in events)
        {
            var partition = e.Key is { } key ? KeyHasher.PartitionFor(key, partitions) : unkeyed--;
            if (!parts.TryGetValue(partition, out var part))
            {
                parts[partition] = part = [];
            }

            part.Add(e);
        }

        if (parts.Count == 1)
        {
            await PublishPartAsync(topic, events, cancellationToken);
            return;
        }

        var publishing = new List<Task>(parts.Count);
        foreach (var part in parts.Values)
        {
            publishing.Add(PublishPartAsync(topic, part, cancellationToken));
        }

        await Task.WhenAll(publishing);
    }

    /// <summary>Publishes events of one partition (all or nothing); when one is refused, each half on its own.</summary>
    private async Task PublishPartAsync(string topic, IReadOnlyList<SerializedEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            await _publisher.PublishSerializedBatchAsync(topic, events, cancellationToken);
            Interlocked.Add(ref _accepted, events.Count);
            ServerTelemetry.Udp("accepted", events.Count);
        }
        catch (ShoalException ex) when (ex is ShoalConfigurationException or EventTooLargeException)
        {
            if (events.Count == 1)
            {
                ServerLog.UdpEventRefused(_logger, topic, ex.Message);
                Interlocked.Increment(ref _malformed);
                ServerTelemetry.Udp("malformed");
                return;
            }

            var half = events.Count / 2;
            await PublishPartAsync(topic, Slice(events, 0, half), cancellationToken);
            await PublishPartAsync(topic, Slice(events, half, events.Count - half), cancellationToken);
        }
        catch (ShoalException ex)
        {
            Failed(topic, events.Count, ex);
        }
    }

    private static ArraySegment<SerializedEvent> Slice(IReadOnlyList<SerializedEvent> events, int start, int count) =>
        events is SerializedEvent[] array ? new ArraySegment<SerializedEvent>(array, start, count)
        : events is ArraySegment<SerializedEvent> segment ? segment.Slice(start, count)
        : new ArraySegment<SerializedEvent>([.. events], start, count);

    private void Failed(string topic, int count, ShoalException ex)
    {
        ServerLog.UdpPublishFailed(_logger, ex, topic, count);
        Interlocked.Add(ref _dropped, count);
        ServerTelemetry.Udp("failed", count);
    }

    /// <summary>The topic's partition count (cached: it never changes), or <see cref="TopicNotFoundException"/>.</summary>
    private async ValueTask<int> PartitionsAsync(string topic, CancellationToken cancellationToken)
    {
        if (_partitions.TryGetValue(topic, out var known))
        {
            return known;
        }

        var description = await _engine.Log.DescribeTopicAsync(topic, cancellationToken) ?? throw new TopicNotFoundException(topic);
        if (_partitions.Count >= 1_024)
        {
            _partitions.Clear(); // many one-off topic names: do not keep them all
        }

        _partitions[topic] = description.Partitions;
        return description.Partitions;
    }
}
