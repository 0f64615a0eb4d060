using System.Text.Json.Serialization;
using ProtoBuf;

namespace Shoal.Scenarios.Demo;

/// <summary>The demo's event: which key it belongs to and its sequence within that key.</summary>
[ProtoContract]
public sealed class DemoEvent
{
    [ProtoMember(1)]
    public int Key { get; set; }

    [ProtoMember(2)]
    public long Sequence { get; set; }
}

[JsonSerializable(typeof(DemoEvent))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
