using System.CommandLine.Parsing;
using Shoal.Cluster;

namespace Shoal.Cli.Infrastructure;

/// <summary>Cluster options shared by the verbs that run members (<c>demo</c>, <c>worker</c>).</summary>
internal static class ClusterOptionRules
{
    /// <summary>Parses <c>--assignor</c>: round-robin, range, sticky, consistent-hashing or weighted.</summary>
    public static AssignorKind ParseAssignor(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (Enum.TryParse<AssignorKind>(token.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var value)
            && Enum.IsDefined(value) && token.Length > 0 && !char.IsDigit(token[0]))
        {
            return value;
        }

        result.AddError($"--assignor: '{token}' is not an assignor; use round-robin, range, sticky, consistent-hashing or weighted.");
        return default;
    }

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
