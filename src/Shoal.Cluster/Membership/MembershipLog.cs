using Microsoft.Extensions.Logging;

namespace Shoal.Cluster;

/// <summary>Source-generated log messages for membership and health (event ids 2100–2199).</summary>
internal static partial class MembershipLog
{
    [LoggerMessage(2101, LogLevel.Information, "Group {Group}: member {MemberId} registered (incarnation {Incarnation})")]
    public static partial void Registered(ILogger logger, string group, string memberId, string incarnation);

    [LoggerMessage(2102, LogLevel.Information, "Group {Group}: member {MemberId} took over its record from incarnation {Previous} (static membership restart)")]
    public static partial void TookOver(ILogger logger, string group, string memberId, string previous);

    [LoggerMessage(2103, LogLevel.Warning, "Group {Group}: heartbeat of member {MemberId} failed; retrying next beat")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception, string group, string memberId);

    [LoggerMessage(2104, LogLevel.Warning, "Group {Group}: heartbeat of member {MemberId} lost its compare-and-set (record changed or removed by someone else); re-reading next beat")]
    public static partial void HeartbeatConflict(ILogger logger, string group, string memberId);

    [LoggerMessage(2105, LogLevel.Error, "Group {Group}: member {MemberId} is fenced: incarnation {Other} now owns its record; this instance (incarnation {Incarnation}) stops heartbeating")]
    public static partial void Fenced(ILogger logger, string group, string memberId, string incarnation, string other);

    [LoggerMessage(2106, LogLevel.Warning, "Group {Group}: member {MemberId} has no live record any more (last successful heartbeat {Age} ago)")]
    public static partial void RegistrationLost(ILogger logger, string group, string memberId, TimeSpan age);

    [LoggerMessage(2107, LogLevel.Information, "Group {Group}: member {MemberId} left; record deleted")]
    public static partial void Left(ILogger logger, string group, string memberId);

    [LoggerMessage(2108, LogLevel.Warning, "Group {Group}: member {MemberId} could not delete its record on stop; it expires after the session TTL")]
    public static partial void LeaveFailed(ILogger logger, Exception? exception, string group, string memberId);

    [LoggerMessage(2109, LogLevel.Information, "Group {Group}: member {MemberId} health {From} -> {To} (last sample: {Reason})")]
    public static partial void HealthChanged(ILogger logger, string group, string memberId, MemberHealth from, MemberHealth to, string reason);

    [LoggerMessage(2110, LogLevel.Warning, "Group {Group}: ignoring unreadable member record {Key}")]
    public static partial void BadRecord(ILogger logger, string group, string key);

    [LoggerMessage(2111, LogLevel.Information, "Group {Group}: membership changed: {Live} live ({Members}), {Dead} dead")]
    public static partial void MembershipChanged(ILogger logger, string group, int live, string members, int dead);

    [LoggerMessage(2113, LogLevel.Warning, "Group {Group}: the membership watch failed; re-establishing it")]
    public static partial void WatchFailed(ILogger logger, Exception exception, string group);

    [LoggerMessage(2114, LogLevel.Warning, "Group {Group}: could not list the group's members yet ({Error}); retrying before this member decides anything")]
    public static partial void FirstListingFailed(ILogger logger, string group, string error);

    [LoggerMessage(2112, LogLevel.Warning, "Group {Group}: could not re-read member records to confirm a death; going by the watch")]
    public static partial void ConfirmFailed(ILogger logger, Exception exception, string group);
}
