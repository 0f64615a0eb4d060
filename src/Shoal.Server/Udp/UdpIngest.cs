using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoal.Server.Diagnostics;
using Shoal.Server.Ingest;

namespace Shoal.Server.Udp;

/// <summary>
/// Opt-in UDP ingest, the only at-most-once path into Shoal: one JSON event per datagram
/// (<c>{"topic", "key", "type", "data", "id"?, "headers"?}</c>). Valid datagrams queue (bounded) and are published in
/// batches per topic; malformed ones, those arriving while the queue is full, and those whose publish fails are
/// counted (<c>shoal.udp.datagrams</c> by outcome) and dropped. Nothing is acknowledged, nothing is retried, and there
/// is no authentication: bind it to loopback or a trusted network only.
/// </summary>
internal sealed class UdpIngest : BackgroundService
{
    public const int QueueCapacity = 65_536;
    public const int MaxBatch = 1_000;

    private readonly IEventPublisher _publisher;
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

    public UdpIngest(IEventPublisher publisher, ShoalServerOptions options, ILogger<UdpIngest> logger)
    {
        _publisher = publisher;
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
            if (IngestParser.Parse(datagram, requireTopic: true, maxEvents: 1, _options.MaxEventBytes, parsed) is not null || parsed.Count != 1)
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

                    try
                    {
                        await _publisher.PublishSerializedBatchAsync(topic, events, stoppingToken);
                        Interlocked.Add(ref _accepted, events.Count);
                        ServerTelemetry.Udp("accepted", events.Count);
                    }
                    catch (ShoalException ex)
                    {
                        ServerLog.UdpPublishFailed(_logger, ex, topic, events.Count);
                        Interlocked.Add(ref _dropped, events.Count);
                        ServerTelemetry.Udp("failed", events.Count);
                    }

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
}
