using Shoal.Hosting.Processes;
using Xunit;

namespace Shoal.Tests.Hosting;

public sealed class StopSignalsTests
{
    [Fact]
    public void A_stop_request_cancels_the_token()
    {
        using var signals = StopSignals.Listen();
        Assert.False(signals.Token.IsCancellationRequested);
        signals.Request();
        Assert.True(signals.Token.IsCancellationRequested);
    }

    [Fact]
    public void The_callers_token_cancels_it_too()
    {
        using var outer = new CancellationTokenSource();
        using var signals = StopSignals.Listen(outer.Token);
        outer.Cancel();
        Assert.True(signals.Token.IsCancellationRequested);
    }

    /// <summary>
    /// A second Ctrl-C (or a SIGTERM after a SIGINT) whose handler runs while the program is already disposing its
    /// signals used to cancel a disposed token source: <c>shoal dev-cluster</c> printed an ObjectDisposedException.
    /// </summary>
    [Fact]
    public void A_signal_that_arrives_after_dispose_is_ignored()
    {
        var signals = StopSignals.Listen();
        signals.Request();
        signals.Dispose();
        signals.Request();
        signals.Dispose();
    }
}
