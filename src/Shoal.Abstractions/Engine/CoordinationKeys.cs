namespace Shoal.Engine;

/// <summary>
/// The layout of Shoal's records in the coordination store: committed offsets, parked keys, member records and
/// partition leases. Every engine stores the same keys, so any process (or tool) can read them. Documented in
/// <c>docs/wire-format.md</c>. Only the keys live here; each record's value is encoded and decoded by its own type.
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

    /// <summary>
    /// Splits a committed-offset key (<see cref="Offset"/>) into its topic, group and partition; false for any other key.
    /// </summary>
    public static bool TryParseOffset(string key, out string topic, out string group, out int partition)
    {
        ArgumentNullException.ThrowIfNull(key);
        topic = group = string.Empty;
        partition = 0;
        if (!key.StartsWith(OffsetsRoot, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = key[OffsetsRoot.Length..].Split('/');
        if (parts is not [{ Length: > 0 } t, { Length: > 0 } g, var p]
            || !int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out partition))
        {
            partition = 0;
            return false;
        }

        (topic, group) = (t, g);
        return true;
    }

    /// <summary>Parked keys of a group (strict-order poison handling): <c>shoal/parked/{topic}/{group}/{partition}/</c>.</summary>
    public static string ParkedPrefix(string topic, string group, int partition) => $"shoal/parked/{topic}/{group}/{partition}/";

    /// <summary>
    /// One parked key. The key is hex-encoded UTF-8 so any key is a valid store key:
    /// <c>shoal/parked/{topic}/{group}/{partition}/{hex(key)}</c>.
    /// </summary>
    public static string Parked(string topic, string group, int partition, string key) =>
        ParkedPrefix(topic, group, partition) + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(key));

    /// <summary>Root of every group's member records: <c>shoal/members/</c>.</summary>
    public const string MembersRoot = "shoal/members/";

    /// <summary>Every member record of a group: <c>shoal/members/{group}/</c>.</summary>
    public static string GroupMembersPrefix(string group) => $"{MembersRoot}{group}/";

    /// <summary>One member's record: <c>shoal/members/{group}/{memberId}</c>.</summary>
    public static string Member(string group, string memberId) => $"{MembersRoot}{group}/{memberId}";

    /// <summary>Root of every partition lease: <c>shoal/leases/</c>.</summary>
    public const string LeasesRoot = "shoal/leases/";

    /// <summary>The partition leases of one group of a topic: <c>shoal/leases/{topic}/{group}/</c>.</summary>
    public static string GroupLeasesPrefix(string topic, string group) => $"{LeasesRoot}{topic}/{group}/";

    /// <summary>One partition's lease for a group: <c>shoal/leases/{topic}/{group}/{partition}</c>.</summary>
    public static string Lease(string topic, string group, int partition) => $"{GroupLeasesPrefix(topic, group)}{partition}";
}
