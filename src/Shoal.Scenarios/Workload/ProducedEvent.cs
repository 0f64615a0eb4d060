using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml.Serialization;
using MessagePack;
using ProtoBuf;
using Shoal.Serialization;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// The event <c>shoal produce</c> publishes and <c>shoal worker</c> handles (type <see cref="TypeName"/>), in JSON by
/// default: <c>{"key":"key-3","seq":17,"runId":"9f2c…"}</c>. <see cref="Seq"/> counts the key's events over every
/// produce run on the topic (0, 1, 2, …), so <c>shoal verify</c> can tell lost, repeated and reordered events apart.
/// </summary>
/// <remarks>
/// Producers in other languages may write it in every documented encoding, with the same names everywhere
/// (docs/wire-format.md, "The CLI's event"): a MessagePack map with the string keys <c>key</c>, <c>seq</c>,
/// <c>runId</c>; protobuf fields 1 <c>key</c> (string), 2 <c>seq</c> (int64), 3 <c>runId</c> (string); XML
/// <c>&lt;producedEvent&gt;&lt;key/&gt;&lt;seq/&gt;&lt;runId/&gt;&lt;/producedEvent&gt;</c>. Public because
/// <see cref="XmlSerializer"/> handles public types only.
/// </remarks>
[MessagePackObject]
[ProtoContract]
[XmlRoot("producedEvent")]
public sealed class ProducedEvent
{
    /// <summary>The registered type name, carried in every envelope.</summary>
    public const string TypeName = "shoal.produced";

    /// <summary>Keys are <c>key-0</c>, <c>key-1</c>, …; the number is the key's index.</summary>
    public const string KeyPrefix = "key-";

    /// <summary>The event's key, <c>key-N</c> (<see cref="KeyName"/>).</summary>
    [Key("key")]
    [ProtoMember(1)]
    [XmlElement("key")]
    public string Key { get; set; } = string.Empty;

    /// <summary>The key's sequence number over every produce run on the topic (0, 1, 2, …).</summary>
    [Key("seq")]
    [ProtoMember(2)]
    [XmlElement("seq")]
    public long Seq { get; set; }

    /// <summary>The id of the produce run that published the event.</summary>
    [Key("runId")]
    [ProtoMember(3)]
    [XmlElement("runId")]
    public string RunId { get; set; } = string.Empty;

    /// <summary>The key with index <paramref name="index"/>: <c>key-{index}</c>.</summary>
    public static string KeyName(int index) => KeyPrefix + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The index of a key written by <see cref="KeyName"/>; false for any other key.</summary>
    public static bool TryParseKey(string? key, out int index)
    {
        index = -1;
        return key is not null && key.StartsWith(KeyPrefix, StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(KeyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>The registry and serializers every verb uses for these events.</summary>
    public static EventTypeRegistry Registry() => new EventTypeRegistry().Add<ProducedEvent>(TypeName);

    /// <summary>The serializers for these events: every documented encoding, JSON in camelCase by default.</summary>
    public static EventSerializers Serializers() =>
        EventSerializers.CreateDefault(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = WorkloadJsonContext.Default })
            .WithMessagePack().WithProtobuf();

    /// <summary>
    /// The event in <paramref name="envelope"/> as <c>shoal worker</c> reads it: type <see cref="TypeName"/>, decoded by
    /// the serializer <see cref="Serializers"/> has for its content type (every documented encoding); null for another
    /// type, an unknown content type or a payload that does not decode.
    /// </summary>
    internal static ProducedEvent? TryDecode(in EventEnvelope envelope)
    {
        if (envelope.Type != TypeName || !Decoders.TryGetByContentType(envelope.ContentType, out var serializer))
        {
            return null;
        }

        try
        {
            return serializer.Deserialize<ProducedEvent>(envelope.Payload);
        }
        catch (EventSerializationException)
        {
            return null;
        }
    }

    private static readonly EventSerializers Decoders = Serializers();
}

/// <summary>Source-generated JSON for the workload's events and records (camelCase).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(ProducedEvent))]
[JsonSerializable(typeof(HandledRecord))]
[JsonSerializable(typeof(ProduceRun))]
internal sealed partial class WorkloadJsonContext : JsonSerializerContext;
