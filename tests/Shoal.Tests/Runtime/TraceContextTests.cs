using Shoal.Diagnostics;
using Xunit;

namespace Shoal.Tests.Runtime;

/// <summary>The publisher's trace-header injection recognises an event's own trace headers in any case.</summary>
public sealed class TraceContextTests
{
    private const string Parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void An_events_own_traceparent_in_any_case_is_kept_and_nothing_is_added()
    {
        var headers = new Dictionary<string, string> { ["TraceParent"] = Parent, ["x"] = "1" };

        Assert.Same(headers, TraceContext.Inject(headers, (Parent.Replace("01", "00", StringComparison.Ordinal), "vendor=1")));
        Assert.True(headers.TryGetValue("TraceParent", out var value));
        Assert.Equal(Parent, value);
    }

    [Fact]
    public void An_events_own_tracestate_in_any_case_is_kept_beside_the_added_traceparent()
    {
        var headers = new Dictionary<string, string> { ["TRACESTATE"] = "mine=1" };

        var stored = TraceContext.Inject(headers, (Parent, "vendor=1"))!;

        Assert.Equal(Parent, stored["traceparent"]);
        Assert.Equal(["TRACESTATE", "traceparent"], stored.Keys.Order(StringComparer.Ordinal));
        Assert.Null(EventRules.Check(new EventEnvelope("id", "t", "k", "type", ReadOnlyMemory<byte>.Empty) { Headers = stored }));
    }
}
