namespace Shoal;

/// <summary>How a topic's payloads are encoded.</summary>
public enum SerializationFormat
{
    /// <summary>System.Text.Json, UTF-8 (the default).</summary>
    Json,

    /// <summary>MessagePack; needs the Shoal.Serialization.MessagePack package (<c>UseMessagePack()</c>).</summary>
    MessagePack,

    /// <summary>Protocol Buffers through protobuf-net; needs the Shoal.Serialization.Protobuf package (<c>UseProtobuf()</c>).</summary>
    Protobuf,

    /// <summary>XML through System.Xml.Serialization.</summary>
    Xml,
}
