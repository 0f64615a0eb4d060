using Microsoft.Extensions.Logging;

namespace Shoal.Cluster;

/// <summary>Source-generated log messages of the cluster member (event ids 2200–2299).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(2201, LogLevel.Information, "Group {Group}: member {MemberId} took partition {Partition} (epoch {Epoch})")]
    public static partial void Acquired(ILogger logger, string group, string memberId, int partition, long epoch);

    [LoggerMessage(2202, LogLevel.Information, "Group {Group}: member {MemberId} handed partition {Partition} over (epoch {Epoch})")]
    public static partial void Released(ILogger logger, string group, string memberId, int partition, long epoch);

    [LoggerMessage(2203, LogLevel.Warning, "Group {Group}: member {MemberId} lost partition {Partition} (epoch {Epoch}); stopped it without committing")]
    public static partial void Lost(ILogger logger, string group, string memberId, int partition, long epoch);

    [LoggerMessage(2204, LogLevel.Warning, "Group {Group}: member {MemberId}: rebalance step failed; retrying next beat")]
    public static partial void TickFailed(ILogger logger, Exception exception, string group, string memberId);

    [LoggerMessage(2206, LogLevel.Warning, "Group {Group}: member {MemberId} could not release partition {Partition} (epoch {Epoch}) on stop; it is free once the lease expires")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception, string group, string memberId, int partition, long epoch);

    [LoggerMessage(2207, LogLevel.Warning, "Group {Group}: member {MemberId} fenced partition {Partition} (epoch {Epoch}): its lease was not renewed within {ValidMs} ms of the last renewal sent; stopped starting events, cancelled the running handlers, commits held")]
    public static partial void SelfFenced(ILogger logger, string group, string memberId, int partition, long epoch, long validMs);

    [LoggerMessage(2208, LogLevel.Information, "Group {Group}: member {MemberId} resumed partition {Partition} (epoch {Epoch}): its lease was renewed")]
    public static partial void SelfFenceResumed(ILogger logger, string group, string memberId, int partition, long epoch);

    [LoggerMessage(2209, LogLevel.Warning, "Group {Group}: member {MemberId} takes partition {Partition}: it was handed to member {Slow}, which had not taken it {RevokeAfterMs} ms after its release")]
    public static partial void HandOverRevoked(ILogger logger, string group, string memberId, int partition, string slow, long revokeAfterMs);

    [LoggerMessage(2205, LogLevel.Information, "Group {Group}: member {MemberId} target assignment {Assignment}")]
    public static partial void Target(ILogger logger, string group, string memberId, string assignment);
}
