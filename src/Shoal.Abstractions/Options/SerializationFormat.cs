namespace Shoal;

/// <summary>How a topic's payloads are encoded.</summary>
public enum SerializationFormat
{
    /// <summary>System.Text.Json, UTF-8 (the default).</summary>
    Json,

    /// <summary>MessagePack.</summary>
    MessagePack,

    /// <summary>Protocol Buffers through protobuf-net.</summary>
    Protobuf,

    /// <summary>XML through System.Xml.Serialization.</summary>
    Xml,
}
