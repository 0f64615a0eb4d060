using System.Text.Json.Serialization;
using ProtoBuf;

namespace Shoal.Scenarios.Demo;

/// <summary>The demo's event: which key it belongs to and its sequence within that key.</summary>
[ProtoContract]
public sealed class DemoEvent
{
    /// <summary>The key index: the event's key is <c>key-{Key}</c>.</summary>
    [ProtoMember(1)]
    public int Key { get; set; }

    /// <summary>The event's place among its key's events, from 0.</summary>
    [ProtoMember(2)]
    public long Sequence { get; set; }
}

[JsonSerializable(typeof(DemoEvent))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
