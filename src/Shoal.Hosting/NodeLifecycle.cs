using Shoal.Cluster;

namespace Shoal.Hosting;

/// <summary>Where the hosted node is in its life, for the health checks; set by <see cref="ShoalHostedService"/>.</summary>
internal sealed class NodeLifecycle
{
    private volatile StateAndNode _current = new(NodeState.Created, null);

    public NodeState State => _current.State;

    /// <summary>The node once its start began; null before.</summary>
    public ShoalNode? Node => _current.Node;

    public void Set(NodeState state, ShoalNode? node = null) => _current = new(state, node ?? _current.Node);

    private sealed record StateAndNode(NodeState State, ShoalNode? Node);
}

internal enum NodeState
{
    Created,
    Starting,
    Running,
    StartFailed,
    Stopped,
}
