using System.Globalization;

namespace Shoal.Engines.Nats;

/// <summary>
/// The names Shoal uses on NATS (docs/wire-format.md, "NATS JetStream"). Each partition is its own stream, so the
/// stream sequence gives dense offsets: offset = sequence − 1.
/// <list type="bullet">
/// <item>subject of partition p of topic T: <c>shoal.{T'}.{p}</c>;</item>
/// <item>its stream: <c>SHOAL_{T'}_{p}</c>;</item>
/// </list>
/// where T' is the topic name with every <c>.</c> replaced by <c>~</c> (a character topic names cannot hold), so the
/// topic is one subject token whatever its dots (<c>a..b</c> and <c>a.</c> are valid topic names but would make empty
/// tokens), and the mapping can be reversed.
/// </summary>
internal static class NatsNames
{
    public const string SubjectRoot = "shoal";
    public const string StreamRoot = "SHOAL_";

    /// <summary>The coordination KV bucket (stream <see cref="CoordinationStream"/>).</summary>
    public const string CoordinationBucket = "shoal";

    /// <summary>The JetStream stream behind the coordination bucket.</summary>
    public const string CoordinationStream = "KV_" + CoordinationBucket;

    /// <summary>The subject a coordination key (encoded by <see cref="CoordinationKeyCodec"/>) is stored under in <see cref="CoordinationStream"/>.</summary>
    public static string CoordinationSubject(string encodedKey) => $"$KV.{CoordinationBucket}.{encodedKey}";

    public static string TopicToken(string topic) => topic.Replace('.', '~');

    public static string TopicFromToken(string token) => token.Replace('~', '.');

    public static string Subject(string topic, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{SubjectRoot}.{TopicToken(topic)}.{partition}");

    public static string Stream(string topic, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{StreamRoot}{TopicToken(topic)}_{partition}");

    /// <summary>The subject filter matching partition 0 of every topic: one stream per topic carries the topic's description.</summary>
    public const string FirstPartitionFilter = SubjectRoot + ".*.0";
}
