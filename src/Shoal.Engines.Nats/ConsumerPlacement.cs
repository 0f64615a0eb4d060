namespace Shoal.Engines.Nats;

/// <summary>
/// How long a request that creates an ephemeral consumer (a read's cursor, a KV listing's watch) waits before it is
/// abandoned and asked again. nats-server 2.9 places an R1 consumer on a random peer of its stream
/// (<c>createGroupForConsumer</c> shuffles the stream's peers), a dead one included for as long as it is down; that
/// creation never answers, and the client would wait its whole request timeout (10 s by default). Asked again, the
/// server picks a peer again. The first attempt waits <see cref="FirstAnswerWait"/>, each next one twice as long up to
/// <see cref="MaxAnswerWait"/>, until the request timeout is spent.
/// </summary>
internal static class ConsumerPlacement
{
    public static readonly TimeSpan FirstAnswerWait = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// 1 s, so about ten attempts fit a 10 s request timeout: a dead peer was picked for four creations in a row in 2 of
    /// 8 runs of 12 reads (more often than one peer in three would be), and with a 2 s cap only seven attempts fit.
    /// </summary>
    public static readonly TimeSpan MaxAnswerWait = TimeSpan.FromSeconds(1);

    /// <summary>The next attempt's wait after one of <paramref name="wait"/>.</summary>
    public static TimeSpan Next(TimeSpan wait) => TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxAnswerWait.Ticks));
}
