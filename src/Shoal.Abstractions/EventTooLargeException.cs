namespace Shoal;

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
