namespace Shoal;

/// <summary>A payload could not be serialized or deserialized (malformed bytes, wrong format, unsupported type).</summary>
public sealed class EventSerializationException : ShoalException
{
    /// <summary>Creates the exception with the reason and, when there is one, the serializer's own exception.</summary>
    public EventSerializationException(string message, Exception? innerException = null) : base(message, innerException) { }
}
