namespace Shoal;

/// <summary>A payload could not be serialized or deserialized (malformed bytes, wrong format, unsupported type).</summary>
public sealed class EventSerializationException : ShoalException
{
    public EventSerializationException(string message, Exception? innerException = null) : base(message, innerException) { }
}
