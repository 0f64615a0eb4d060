namespace Shoal;

/// <summary>An event is larger than the engine accepts; nothing of its batch was stored.</summary>
public sealed class EventTooLargeException : ShoalException
{
    /// <summary>Creates the exception for the event <paramref name="eventId"/> of <paramref name="topic"/>.</summary>
    public EventTooLargeException(string topic, string eventId, int size, int limit)
        : base($"Event '{eventId}' for topic '{topic}' is {size} bytes; the limit is {limit} bytes. Nothing of its batch was stored.")
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>The event's size in bytes.</summary>
    public int Size { get; }

    /// <summary>The largest size in bytes the engine accepts.</summary>
    public int Limit { get; }
}
