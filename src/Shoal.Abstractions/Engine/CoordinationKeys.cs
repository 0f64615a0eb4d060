namespace Shoal.Engine;

/// <summary>
/// The layout of Shoal's records in the coordination store. Every engine stores the same keys, so any
/// process (or tool) can read them. Documented in <c>docs/wire-format.md</c>.
/// </summary>
public static class CoordinationKeys
{
    /// <summary>Root of all committed offsets: <c>shoal/offsets/</c>.</summary>
    public const string OffsetsRoot = "shoal/offsets/";

    /// <summary>Committed offsets of every group of a topic: <c>shoal/offsets/{topic}/</c>.</summary>
    public static string TopicOffsetsPrefix(string topic) => $"{OffsetsRoot}{topic}/";

    /// <summary>Committed offsets of one group of a topic: <c>shoal/offsets/{topic}/{group}/</c>.</summary>
    public static string GroupOffsetsPrefix(string topic, string group) => $"{OffsetsRoot}{topic}/{group}/";

    /// <summary>One partition's committed offset for a group: <c>shoal/offsets/{topic}/{group}/{partition}</c>.</summary>
    public static string Offset(string topic, string group, int partition) => $"{OffsetsRoot}{topic}/{group}/{partition}";

    /// <summary>Parked keys of a group (strict-order poison handling): <c>shoal/parked/{topic}/{group}/{partition}/</c>.</summary>
    public static string ParkedPrefix(string topic, string group, int partition) => $"shoal/parked/{topic}/{group}/{partition}/";

    /// <summary>
    /// One parked key. The key is hex-encoded UTF-8 so any key is a valid store key:
    /// <c>shoal/parked/{topic}/{group}/{partition}/{hex(key)}</c>.
    /// </summary>
    public static string Parked(string topic, string group, int partition, string key) =>
        ParkedPrefix(topic, group, partition) + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(key));
}
