using Shoal.Engine;
using Xunit;

namespace Shoal.Engines.Conformance;

/// <summary>
/// <see cref="EventRules"/> on every engine: a batch holding one event that breaks a rule stores nothing, and what the
/// rules accept is stored unchanged (the embedded engines accept exactly what NATS accepts).
/// </summary>
public abstract partial class EngineConformanceTests
{
    /// <summary>A case name, and the field the error must name, relative to the event (<c>events[4].</c> before it).</summary>
    public static TheoryData<string, string> RuleBreakingEvents => new()
    {
        { "space in a header name", "Headers[\"a b\"]" },
        { "colon in a header name", "Headers[\"a:b\"]" },
        { "non-ASCII header name", "Headers[\"é\"]" },
        { "empty header name", "Headers[\"\"]" },
        { "reserved Nats-Foo", "Headers[\"Nats-Foo\"]" },
        { "reserved shoal-key in lower case", "Headers[\"shoal-key\"]" },
        { "names equal ignoring case", "Headers[\"X-A\"]" },
        { "CR in a header value", "Headers[\"h\"]" },
        { "LF in a header value", "Headers[\"h\"]" },
        { "space at the start of a header value", "Headers[\"h\"]" },
        { "tab at the end of a header value", "Headers[\"h\"]" },
        { "unpaired surrogate in a header value", "Headers[\"h\"]" },
        { "CRLF in the key", "Key" },
        { "space at the end of the key", "Key" },
        { "LF in the type", "Type" },
        { "CR in the id", "Id" },
        { "header block over 65535 bytes", "Headers" },
    };

    [Theory]
    [MemberData(nameof(RuleBreakingEvents))]
    public async Task A_batch_with_an_event_that_breaks_a_rule_stores_nothing(string @case, string field)
    {
        var topic = await CreateTopicAsync(partitions: 1);
        var batch = Enumerable.Range(0, 4).Select(i => NewEvent(topic, key: $"k-{i}")).Append(BreakRule(NewEvent(topic, key: "k-4"), @case)).ToArray();

        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await AppendAsync(topic, 0, batch));

        Assert.Equal($"events[4].{field}", error.Field);
        Assert.Equal(new PartitionOffsets(0, 0), await Engine.Log.GetOffsetsAsync(topic, 0, Deadline));
        Assert.Equal([0L, 1L, 2L, 3L], (await AppendAsync(topic, 0, batch[..4])).Select(r => r.Offset));
    }

    [Fact]
    public async Task What_the_rules_accept_is_stored_unchanged_up_to_the_header_limit()
    {
        var topic = await CreateTopicAsync(partitions: 1);
        var headers = new Dictionary<string, string>
        {
            ["!#$%&'*+.^_`|~"] = "punctuation name",
            ["x-utf8"] = "héllo ✓ 😀",
            ["x-inner"] = "a\tb c\u0000d",
            ["x-empty"] = string.Empty,
            ["shoal-tenant"] = "t1",
        };
        var unusual = NewEvent(topic, key: "ключ-7") with { Headers = headers, Type = "type with spaces inside" };
        var largest = NewEvent(topic, key: "k") with { Headers = new Dictionary<string, string> { ["big"] = string.Empty } };
        var room = EventRules.MaxHeaderBlockBytes - EventRules.HeaderBlockBytes(largest);
        largest = largest with { Headers = new Dictionary<string, string> { ["big"] = new string('x', (int)room) } };
        Assert.Equal(EventRules.MaxHeaderBlockBytes, EventRules.HeaderBlockBytes(largest));

        await AppendAsync(topic, 0, unusual, largest);
        var read = await ReadAsync(topic, 0, 0, 2);

        Assert.Equal("ключ-7", read[0].Key);
        Assert.Equal("type with spaces inside", read[0].Type);
        Assert.Equal(headers.OrderBy(h => h.Key, StringComparer.Ordinal), read[0].Headers!.OrderBy(h => h.Key, StringComparer.Ordinal));
        Assert.Equal(largest.Headers["big"], read[1].Headers!["big"]);
    }

    private static EventEnvelope BreakRule(EventEnvelope e, string @case) => @case switch
    {
        "space in a header name" => WithHeader(e, "a b", "v"),
        "colon in a header name" => WithHeader(e, "a:b", "v"),
        "non-ASCII header name" => WithHeader(e, "é", "v"),
        "empty header name" => WithHeader(e, string.Empty, "v"),
        "reserved Nats-Foo" => WithHeader(e, "Nats-Foo", "v"),
        "reserved shoal-key in lower case" => WithHeader(e, "shoal-key", "v"),
        "names equal ignoring case" => e with { Headers = new Dictionary<string, string> { ["x-a"] = "1", ["X-A"] = "2" } },
        "CR in a header value" => WithHeader(e, "h", "a\rb"),
        "LF in a header value" => WithHeader(e, "h", "a\nb"),
        "space at the start of a header value" => WithHeader(e, "h", " v"),
        "tab at the end of a header value" => WithHeader(e, "h", "v\t"),
        "unpaired surrogate in a header value" => WithHeader(e, "h", "a\ud800b"),
        "CRLF in the key" => e with { Key = "a\r\nb" },
        "space at the end of the key" => e with { Key = "k " },
        "LF in the type" => e with { Type = "a\nb" },
        "CR in the id" => e with { Id = "id\r1" },
        "header block over 65535 bytes" => WithHeader(e, "big", new string('x', EventRules.MaxHeaderBlockBytes)),
        _ => throw new ArgumentOutOfRangeException(nameof(@case), @case, null),
    };

    private static EventEnvelope WithHeader(EventEnvelope e, string name, string value) =>
        e with { Headers = new Dictionary<string, string> { ["ok"] = "fine", [name] = value } };
}
