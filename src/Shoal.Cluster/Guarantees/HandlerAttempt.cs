namespace Shoal.Cluster;

/// <summary>One handler invocation.</summary>
/// <param name="Member">The member that ran it.</param>
/// <param name="Partition">The event's partition.</param>
/// <param name="Offset">The event's offset.</param>
/// <param name="Epoch">The fencing epoch the member owned the partition under.</param>
/// <param name="Key">The event's key.</param>
/// <param name="Sequence">The event's sequence within its key.</param>
/// <param name="Attempt">1 for the first attempt, more for retries.</param>
/// <param name="Start">When it started.</param>
/// <param name="End">When it ended; null when it never did.</param>
/// <param name="Succeeded">Whether the handler succeeded.</param>
public sealed record HandlerAttempt(string Member, int Partition, long Offset, long Epoch, string Key, long Sequence, int Attempt, TimeSpan Start, TimeSpan? End, bool Succeeded);
