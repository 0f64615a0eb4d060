namespace Shoal;

/// <summary>The content types Shoal writes into <see cref="EventEnvelope.ContentType"/>.</summary>
public static class ContentTypes
{
    /// <summary>UTF-8 JSON (System.Text.Json); the default.</summary>
    public const string Json = "application/json";

    /// <summary>MessagePack (the Shoal.Serialization.MessagePack package).</summary>
    public const string MessagePack = "application/x-msgpack";

    /// <summary>Protocol Buffers (protobuf-net, the Shoal.Serialization.Protobuf package).</summary>
    public const string Protobuf = "application/x-protobuf";

    /// <summary>XML (System.Xml.Serialization).</summary>
    public const string Xml = "application/xml";
}
