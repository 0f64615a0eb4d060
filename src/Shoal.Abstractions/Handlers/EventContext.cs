namespace Shoal;

/// <summary>What a handler knows about the event it is handling, besides the event itself.</summary>
public readonly struct EventContext
{
    private readonly EventEnvelope _envelope;

    /// <summary>Creates the context of an event handled by <paramref name="group"/> on its <paramref name="attempt"/>-th attempt, under no lease (epoch 0).</summary>
    public EventContext(in EventEnvelope envelope, string group, int attempt)
        : this(envelope, group, attempt, 0)
    {
    }

    /// <summary>Creates the context of an event handled by <paramref name="group"/> on its <paramref name="attempt"/>-th attempt, under the partition lease of <paramref name="epoch"/>.</summary>
    public EventContext(in EventEnvelope envelope, string group, int attempt, long epoch)
    {
        _envelope = envelope;
        Group = group;
        Attempt = attempt;
        Epoch = epoch;
    }

    /// <summary>The producer-assigned event id (stable across redeliveries: use it to de-duplicate).</summary>
    public string Id => _envelope.Id;

    /// <summary>The topic.</summary>
    public string Topic => _envelope.Topic;

    /// <summary>The ordering key, or null.</summary>
    public string? Key => _envelope.Key;

    /// <summary>The registered type name.</summary>
    public string Type => _envelope.Type;

    /// <summary>The partition the event was read from.</summary>
    public int Partition => _envelope.Partition;

    /// <summary>The event's offset in its partition.</summary>
    public long Offset => _envelope.Offset;

    /// <summary>The producer's timestamp.</summary>
    public DateTimeOffset Timestamp => _envelope.Timestamp;

    /// <summary>Application headers, or an empty dictionary.</summary>
    public IReadOnlyDictionary<string, string> Headers => _envelope.Headers ?? EmptyHeaders.Instance;

    /// <summary>The group handling the event.</summary>
    public string Group { get; }

    /// <summary>1 on the first try, 2 on the first retry, and so on.</summary>
    public int Attempt { get; }

    /// <summary>
    /// The fencing epoch under which this node consumes the event's partition (0 outside a cluster). It grows each
    /// time the partition changes hands, so a sink can reject writes from an older owner (fenced writes), and a
    /// redelivery after a failover carries a higher epoch than the first delivery.
    /// </summary>
    public long Epoch { get; }

    /// <summary>The whole envelope, payload included.</summary>
    public EventEnvelope Envelope => _envelope;

    private static class EmptyHeaders
    {
        public static readonly IReadOnlyDictionary<string, string> Instance = new Dictionary<string, string>();
    }
}
