namespace Shoal.Cli.Infrastructure;

/// <summary>
/// The command-line option behind each library options field a verb sets from one, so that a library's validation
/// error reaches the user naming what they wrote (<c>--heartbeat</c>), not the C# property
/// (<c>ClusterOptions.HeartbeatInterval</c>). The verbs check their options before the library does; this is the net
/// for whatever gets through.
/// </summary>
internal static class CliOptionNames
{
    private static readonly Dictionary<string, string> Options = new(StringComparer.Ordinal)
    {
        [Shoal.Engine.ShoalEngines.UriField] = "--engine",
        ["ClusterOptions.HeartbeatInterval"] = "--heartbeat",
        ["ClusterOptions.SessionTtl"] = "--session-ttl",
        ["ClusterMemberOptions.MemberId"] = "--member-id",
        ["MemberIdentity.MemberId"] = "--member-id",
        ["ClusterMemberOptions.Weight"] = "--weight",
        ["MemberIdentity.Weight"] = "--weight",
        ["ClusterMemberOptions.Capacity"] = "--concurrency",
        ["MemberIdentity.Capacity"] = "--concurrency",
        ["ClusterMemberOptions.Assignor"] = "--assignor",
        ["GroupOptions.Name"] = "--group",
        ["MemberIdentity.Group"] = "--group",
        ["GroupOptions.Topic"] = "--topic",
        ["TopicOptions.Name"] = "--topic",
        ["GroupOptions.MaxConcurrency"] = "--concurrency",
        ["TopicOptions.Partitions"] = "--partitions",
        ["TopicOptions.Replicas"] = "--replicas",
        ["AutoscaleOptions.MinMembers"] = "--min",
        ["AutoscaleOptions.MaxMembers"] = "--max",
        ["AutoscaleOptions.TargetLag"] = "--target-lag",
        ["AutoscaleOptions.TargetDrainTime"] = "--drain-time",
        ["AutoscaleOptions.MemberStartupTime"] = "--startup",
        ["AutoscaleOptions.Tolerance"] = "--tolerance",
        ["AutoscaleOptions.ScaleUpWindow"] = "--scale-up-window",
        ["AutoscaleOptions.ScaleDownWindow"] = "--scale-down-window",
        ["AutoscaleOptions.Cooldown"] = "--cooldown",
        ["AutoscaleOptions.DeepDropFraction"] = "--deep-drop",
        ["ShoalServerOptions.Urls"] = "--urls",
        ["ShoalServerOptions.ApiKeys"] = "--api-key",
        ["ShoalServerOptions.MaxRequestBytes"] = "--max-body",
        ["ShoalServerOptions.RateLimitPerSecond"] = "--rate-limit",
        ["ShoalServerOptions.SessionTtl"] = "--session-ttl",
        ["ShoalServerOptions.StatusInterval"] = "--status-interval",
    };

    /// <summary>
    /// The error's message with its field, and any other mapped field it mentions, replaced by the option's name; the
    /// message unchanged when its field is not a library field a verb sets.
    /// </summary>
    public static string Message(ShoalConfigurationException error)
    {
        var message = error.Message;
        if (Options.TryGetValue(error.Field, out var option) && message.StartsWith(error.Field + ": ", StringComparison.Ordinal))
        {
            message = option + message[error.Field.Length..];
        }

        foreach (var (field, name) in Options)
        {
            message = message.Replace(field, name, StringComparison.Ordinal);
        }

        return message;
    }

    /// <summary>The message of a configuration error without its leading <c>field: </c> (to be prefixed by the caller's name for it).</summary>
    public static string WithoutField(ShoalConfigurationException error) =>
        error.Message.StartsWith(error.Field + ": ", StringComparison.Ordinal) ? error.Message[(error.Field.Length + 2)..] : error.Message;
}
