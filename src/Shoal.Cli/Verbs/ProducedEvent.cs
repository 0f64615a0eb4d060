using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Shoal.Serialization;

namespace Shoal.Cli.Verbs;

/// <summary>
/// The event <c>shoal produce</c> publishes (type <see cref="TypeName"/>, JSON):
/// <c>{"key":"key-3","seq":17,"runId":"9f2c…"}</c>. <see cref="Seq"/> counts the key's events over every produce run
/// on the topic (0, 1, 2, …), so <c>shoal verify</c> can tell lost, repeated and reordered events apart.
/// </summary>
internal sealed class ProducedEvent
{
    /// <summary>The registered type name, carried in every envelope.</summary>
    public const string TypeName = "shoal.produced";

    /// <summary>Keys are <c>key-0</c>, <c>key-1</c>, …; the number is the key's index.</summary>
    public const string KeyPrefix = "key-";

    public string Key { get; set; } = string.Empty;

    public long Seq { get; set; }

    public string RunId { get; set; } = string.Empty;

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

    public static EventSerializers Serializers() =>
        EventSerializers.CreateDefault(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = VerbJsonContext.Default });
}

/// <summary>Source-generated JSON for the verbs' events and records (camelCase).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(ProducedEvent))]
[JsonSerializable(typeof(HandledRecord))]
[JsonSerializable(typeof(ProduceRun))]
internal sealed partial class VerbJsonContext : JsonSerializerContext;
