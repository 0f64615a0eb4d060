using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>
/// Real-time multi-member tests (short heartbeats and TTLs) run alone: on a 2-core machine, other tests running
/// beside them can delay a lease renewal past its TTL and turn a timing test into a flaky one.
/// </summary>
[CollectionDefinition(ClusterHarness.Collection, DisableParallelization = true)]
public sealed class ClusterCollection;
