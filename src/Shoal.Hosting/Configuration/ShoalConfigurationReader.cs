using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Shoal.Cluster;
using static Shoal.Hosting.Configuration.ConfigurationValues;

namespace Shoal.Hosting.Configuration;

/// <summary>What a configuration section says: the engine URI, topics, groups and the groups' cluster members.</summary>
internal sealed record ConfiguredShoal(string? EngineUri, string? EnginePath, IReadOnlyList<TopicOptions> Topics, IReadOnlyList<GroupOptions> Groups,
    IReadOnlyList<(string Group, ClusterMemberOptions Member)> Members);

/// <summary>
/// Reads <c>AddShoal(configuration)</c>'s section (docs/hosting.md, "Configuration"): <c>Engine</c>, <c>Topics:NAME:…</c>,
/// <c>Groups:NAME:…</c> with <c>Retry</c> and <c>Cluster</c>. Unknown keys, values that do not parse and values the options
/// refuse are <see cref="ShoalConfigurationException"/>s whose field is the configuration path as the user wrote it.
/// </summary>
internal static partial class ShoalConfigurationReader
{
    /// <summary>Top-level keys read by other Shoal packages from the same section (Shoal.Server's API keys).</summary>
    private static readonly string[] ReadElsewhere = ["ApiKeys"];

    private static readonly SettingsSection<RetryOptions> Retry = new("a group's retry", Settings<RetryOptions>(
        ("MaxAttempts", (o, s) => o with { MaxAttempts = Int(s) }),
        ("InitialBackoff", (o, s) => o with { InitialBackoff = Duration(s) }),
        ("MaxBackoff", (o, s) => o with { MaxBackoff = Duration(s) }),
        ("Multiplier", (o, s) => o with { Multiplier = Double(s) }),
        ("Jitter", (o, s) => o with { Jitter = Double(s) })));

    private static readonly SettingsSection<RetentionOptions> Retention = new("a topic's retention", Settings<RetentionOptions>(
        ("TrimCommitted", (o, s) => o with { TrimCommitted = Bool(s) }),
        ("MaxEventsPerPartition", (o, s) => o with { MaxEventsPerPartition = Long(s) }),
        ("MaxBytesPerPartition", (o, s) => o with { MaxBytesPerPartition = Long(s) }),
        ("MaxAge", (o, s) => o with { MaxAge = Duration(s, allowInfinite: true) })));

    private static readonly SettingsSection<TopicOptions> Topic = new("a topic", Settings<TopicOptions>(
        ("Partitions", (o, s) => o with { Partitions = Int(s) }),
        ("Format", (o, s) => o with { Format = Enum<SerializationFormat>(s) }),
        ("DeduplicationWindow", (o, s) => o with { DeduplicationWindow = Duration(s) }),
        ("DeduplicationMaxIds", (o, s) => o with { DeduplicationMaxIds = Int(s) }),
        ("Replicas", (o, s) => o with { Replicas = Int(s) }),
        ("Retention", (o, s) => o with { Retention = Retention.ApplySection(s, o.Retention) })));

    private static readonly SettingsSection<HealthOptions> Health = new("a member's health", Settings<HealthOptions>(
        ("DegradedErrorRate", (o, s) => o with { DegradedErrorRate = Double(s) }),
        ("UnhealthyErrorRate", (o, s) => o with { UnhealthyErrorRate = Double(s) }),
        ("ErrorRateWindow", (o, s) => o with { ErrorRateWindow = Int(s) }),
        ("MinEventsForErrorRate", (o, s) => o with { MinEventsForErrorRate = Int(s) }),
        ("StallTimeout", (o, s) => o with { StallTimeout = Duration(s) }),
        ("DegradedStalledPartitions", (o, s) => o with { DegradedStalledPartitions = Int(s) }),
        ("UnhealthyEngineErrorSamples", (o, s) => o with { UnhealthyEngineErrorSamples = Int(s) }),
        ("RecoverySamples", (o, s) => o with { RecoverySamples = Int(s) }),
        ("RecoveryTime", (o, s) => o with { RecoveryTime = Duration(s) }),
        ("DegradedLeaseLosses", (o, s) => o with { DegradedLeaseLosses = Int(s) }),
        ("LeaseLossWindow", (o, s) => o with { LeaseLossWindow = Duration(s) }),
        ("DegradedWeightFactor", (o, s) => o with { DegradedWeightFactor = Double(s) })));

    /// <summary>The member's settings, with the heartbeat and session TTL (<see cref="ClusterOptions"/>) in the same section.</summary>
    private static readonly SettingsSection<ClusterMemberOptions> Member = new("a group's cluster member", Settings<ClusterMemberOptions>(
        ("MemberId", (o, s) => o with { MemberId = Text(s) }),
        ("Weight", (o, s) => o with { Weight = Double(s) }),
        ("Capacity", (o, s) => o with { Capacity = Int(s) }),
        ("Address", (o, s) => o with { Address = Text(s) }),
        ("Assignor", (o, s) => o with { Assignor = Enum<AssignorKind>(s) }),
        ("HeartbeatInterval", (o, s) => o with { Cluster = o.Cluster with { HeartbeatInterval = Duration(s) } }),
        ("SessionTtl", (o, s) => o with { Cluster = o.Cluster with { SessionTtl = Duration(s) } }),
        ("Health", (o, s) => o with { Health = Health.ApplySection(s, o.Health) })));

    private static readonly SettingsSection<GroupOptions> Group = new("a group", Settings<GroupOptions>(
        ("Topic", (o, s) => o with { Topic = Text(s) }),
        ("MaxConcurrency", (o, s) => o with { MaxConcurrency = Int(s) }),
        ("MaxInFlight", (o, s) => o with { MaxInFlight = Int(s) }),
        ("FetchBatchSize", (o, s) => o with { FetchBatchSize = Int(s) }),
        ("HandlerTimeout", (o, s) => o with { HandlerTimeout = Duration(s, allowInfinite: true) }),
        ("PoisonKeyPolicy", (o, s) => o with { PoisonKeyPolicy = Enum<PoisonKeyPolicy>(s) }),
        ("CommitInterval", (o, s) => o with { CommitInterval = Duration(s) }),
        ("DrainTimeout", (o, s) => o with { DrainTimeout = Duration(s) }),
        ("StartPosition", (o, s) => o with { StartPosition = Enum<StartPosition>(s) }),
        ("Retry", (o, s) => o with { Retry = Retry.ApplySection(s, o.Retry) }),
        // Read by ReadGroup: its presence makes the node a member of the group's cluster.
        ("Cluster", (o, _) => o)));

    private static readonly string[] TopLevel = ["Engine", "Topics", "Groups", .. ReadElsewhere];

    public static ConfiguredShoal Read(IConfiguration configuration)
    {
        string? engine = null;
        string? enginePath = null;
        var topics = new List<TopicOptions>();
        var groups = new List<GroupOptions>();
        var members = new List<(string, ClusterMemberOptions)>();
        foreach (var setting in configuration.GetChildren())
        {
            switch (setting.Key.ToUpperInvariant())
            {
                case "ENGINE":
                    engine = Text(setting);
                    enginePath = setting.Path;
                    break;
                case "TOPICS":
                    foreach (var topic in Named(setting, Topic.Keys))
                    {
                        topics.Add(ReadTopic(topic));
                    }

                    break;
                case "GROUPS":
                    foreach (var group in Named(setting, Group.Keys))
                    {
                        var (options, member) = ReadGroup(group);
                        groups.Add(options);
                        if (member is not null)
                        {
                            members.Add((options.Name, member));
                        }
                    }

                    break;
                default:
                    if (!ReadElsewhere.Contains(setting.Key, StringComparer.OrdinalIgnoreCase))
                    {
                        throw SettingsSection<object>.UnknownKey(setting, "Shoal", TopLevel);
                    }

                    break;
            }
        }

        return new ConfiguredShoal(engine, enginePath, topics, groups, members);
    }

    /// <summary>
    /// Runs an options record's <c>Validate</c> and restates its error in configuration terms: the field becomes the
    /// configuration path (<c>GroupOptions.MaxConcurrency</c> → <c>Shoal:Groups:billing:MaxConcurrency</c>) and durations are
    /// written as in configuration (<c>30s</c>, <c>infinite</c>).
    /// </summary>
    internal static void Validate(Action validate, IConfigurationSection section, params (string Record, string Path)[] records)
    {
        try
        {
            validate();
        }
        catch (ShoalConfigurationException ex)
        {
            var dot = ex.Field.IndexOf('.', StringComparison.Ordinal);
            var record = dot < 0 ? ex.Field : ex.Field[..dot];
            var property = dot < 0 ? string.Empty : ex.Field[(dot + 1)..];
            var path = records.FirstOrDefault(r => r.Record == record).Path ?? section.Path;
            var field = property is "" or "Name" && path == section.Path ? path : $"{path}:{property}";
            var message = ex.Message[(ex.Field.Length + 2)..];
            throw new ShoalConfigurationException(field, InConfigurationTerms(message));
        }
    }

    private static string InConfigurationTerms(string message) =>
        TimeSpanText().Replace(message.Replace("Timeout.InfiniteTimeSpan", "infinite", StringComparison.Ordinal), m =>
            TimeSpan.TryParse(m.Value, CultureInfo.InvariantCulture, out var value)
                ? value == Timeout.InfiniteTimeSpan ? "infinite" : value < TimeSpan.Zero ? "-" + Durations.Format(-value) : Durations.Format(value)
                : m.Value);

    private static TopicOptions ReadTopic(IConfigurationSection section)
    {
        var topic = Topic.ApplySection(section, new TopicOptions { Name = section.Key });
        Validate(topic.Validate, section, ("TopicOptions", section.Path), ("RetentionOptions", section.Path + ":Retention"));
        return topic;
    }

    private static (GroupOptions Group, ClusterMemberOptions? Member) ReadGroup(IConfigurationSection section)
    {
        var group = Group.ApplySection(section, new GroupOptions { Name = section.Key, Topic = string.Empty });
        if (string.IsNullOrEmpty(group.Topic))
        {
            throw ConfigurationValues.Error(section.GetSection("Topic"), "is required: the name of the topic the group reads.");
        }

        Validate(group.Validate, section, ("GroupOptions", section.Path), ("RetryOptions", section.Path + ":Retry"));

        var cluster = section.GetChildren().FirstOrDefault(s => string.Equals(s.Key, "Cluster", StringComparison.OrdinalIgnoreCase));
        if (cluster is null)
        {
            return (group, null);
        }

        // Stable across restarts in Kubernetes (a StatefulSet's pod name is its host name); set MemberId to choose another.
        var member = Member.ApplySection(cluster, new ClusterMemberOptions { MemberId = Environment.MachineName.ToLowerInvariant() });
        Validate(member.Validate, cluster, ("ClusterMemberOptions", cluster.Path), ("ClusterOptions", cluster.Path), ("HealthOptions", cluster.Path + ":Health"));
        return (group with { PartitionOwnership = PartitionOwnership.Assigned }, member);
    }

    /// <summary>The children of a section of named entries (<c>Groups:billing</c>, <c>Groups:audit</c>), each a section itself.</summary>
    private static IEnumerable<IConfigurationSection> Named(IConfigurationSection section, IEnumerable<string> keys)
    {
        if (!string.IsNullOrEmpty(section.Value) && !section.GetChildren().Any())
        {
            throw ConfigurationValues.Error(section, $"must be a section with one entry per name (e.g. {section.Path}:NAME:{keys.First()}), not the value '{section.Value}'.");
        }

        foreach (var entry in section.GetChildren())
        {
            SettingsSection<object>.RequireSection(entry, keys);
            yield return entry;
        }
    }

    private static Dictionary<string, Func<T, IConfigurationSection, T>> Settings<T>(params (string Key, Func<T, IConfigurationSection, T> Apply)[] settings) =>
        settings.ToDictionary(s => s.Key, s => s.Apply, StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex(@"-?(\d+\.)?\d{2}:\d{2}:\d{2}(\.\d{1,7})?", RegexOptions.CultureInvariant)]
    private static partial Regex TimeSpanText();
}
