using System.CommandLine.Parsing;
using Shoal.Cluster;

namespace Shoal.Cli.Infrastructure;

/// <summary>Cluster options shared by the verbs that run members (<c>demo</c>, <c>worker</c>).</summary>
internal static class ClusterOptionRules
{
    /// <summary>Parses <c>--assignor</c>: round-robin, range, sticky, consistent-hashing or weighted.</summary>
    public static AssignorKind ParseAssignor(ArgumentResult result) =>
        EnumTokens.Parse<AssignorKind>(result, "--assignor", "an assignor", "round-robin, range, sticky, consistent-hashing or weighted");

    /// <summary>Throws a configuration error naming <c>--session-ttl</c> unless it is at least twice <c>--heartbeat</c>.</summary>
    public static void CheckSessionTtl(TimeSpan heartbeat, TimeSpan sessionTtl)
    {
        if (sessionTtl < heartbeat * 2)
        {
            throw new ShoalConfigurationException("--session-ttl",
                $"must be at least twice --heartbeat ({Durations.Format(heartbeat)}) so one late heartbeat does not kill a member; was {Durations.Format(sessionTtl)}.");
        }
    }
}
