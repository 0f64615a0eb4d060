namespace Shoal;

/// <summary>The root of every exception Shoal throws.</summary>
public class ShoalException : Exception
{
    public ShoalException(string message) : base(message) { }

    public ShoalException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>Options or arguments are invalid; the message names the field and the accepted values.</summary>
public sealed class ShoalConfigurationException : ShoalException
{
    public ShoalConfigurationException(string field, string message) : base($"{field}: {message}") => Field = field;

    /// <summary>The option or argument that is wrong, e.g. <c>GroupOptions.MaxConcurrency</c>.</summary>
    public string Field { get; }
}

/// <summary>A topic that does not exist was named.</summary>
public sealed class TopicNotFoundException : ShoalException
{
    public TopicNotFoundException(string topic) : base($"Topic '{topic}' does not exist.") => Topic = topic;

    public string Topic { get; }
}

/// <summary>An event is larger than the engine accepts; nothing of its batch was stored.</summary>
public sealed class EventTooLargeException : ShoalException
{
    public EventTooLargeException(string topic, string eventId, int size, int limit)
        : base($"Event '{eventId}' for topic '{topic}' is {size} bytes; the limit is {limit} bytes. Nothing of its batch was stored.")
    {
        Size = size;
        Limit = limit;
    }

    public int Size { get; }

    public int Limit { get; }
}

/// <summary>A payload could not be serialized or deserialized (malformed bytes, wrong format, unsupported type).</summary>
public sealed class EventSerializationException : ShoalException
{
    public EventSerializationException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>An event carries a type name that is not registered.</summary>
public sealed class UnknownEventTypeException : ShoalException
{
    public UnknownEventTypeException(string typeName)
        : base($"Unknown event type '{typeName}': no CLR type is registered under that name.") => TypeName = typeName;

    public string TypeName { get; }
}

/// <summary>The engine (a server, a store) could not be reached or failed; the message names it and the cause.</summary>
public sealed class EngineException : ShoalException
{
    public EngineException(string message, Exception? innerException = null, bool isTransient = false)
        : base(message, innerException) => IsTransient = isTransient;

    /// <summary>
    /// True when the engine judged the failure temporary — a timeout, a server restarting, a leader election — so the
    /// same call may succeed if retried later (with the same event ids, for appends). False when retrying will not
    /// help (refused credentials, a feature the servers do not offer, damaged data) or the engine cannot tell.
    /// </summary>
    public bool IsTransient { get; }
}

/// <summary>A partition's offset record carries a newer fencing epoch than the one presented: that lease is stale.</summary>
public sealed class PartitionFencedException : ShoalException
{
    public PartitionFencedException(string group, string topic, int partition, long epoch, long currentEpoch)
        : base($"Partition {partition} of '{topic}' in group '{group}' is owned under epoch {currentEpoch}; epoch {epoch} is stale.")
    {
        Partition = partition;
        Epoch = epoch;
        CurrentEpoch = currentEpoch;
    }

    public int Partition { get; }

    public long Epoch { get; }

    public long CurrentEpoch { get; }
}
