namespace Shoal.Engine;

/// <summary>
/// An engine: the two narrow contracts Shoal needs from storage. Runtime and Cluster see only this.
/// </summary>
public interface IShoalEngine : IAsyncDisposable
{
    /// <summary>A short description for logs and reports, e.g. <c>inproc://</c>.</summary>
    string Name { get; }

    /// <summary>The partitioned, append-only event log.</summary>
    IEventLog Log { get; }

    /// <summary>The small linearizable key/value store with revisions.</summary>
    ICoordinationStore Coordination { get; }
}
