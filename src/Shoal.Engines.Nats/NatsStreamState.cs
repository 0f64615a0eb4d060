using NATS.Client.JetStream.Models;

namespace Shoal.Engines.Nats;

/// <summary>
/// A stream's state as a stream-info answer reports it, trusted only from a leader: in nats-server 2.9 a replica that sees
/// its stream leaderless (an election under way) answers with its own state, and a replica may be behind or catching up
/// (its first sequence ahead of the stream's while it restores a snapshot). An offset taken from such an answer could
/// make a reader skip events as trimmed that the stream still holds.
/// </summary>
internal static class NatsStreamState
{
    /// <summary>The state, or null when the answer names no leader (a replica answered for a leaderless stream).</summary>
    public static StreamState? OfLeader(StreamInfo info) =>
        info.Cluster is { } cluster && string.IsNullOrEmpty(cluster.Leader) ? null : info.State;
}
