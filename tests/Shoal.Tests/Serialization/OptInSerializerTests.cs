using System.Buffers;
using System.Text.Json;
using Shoal.Engine;
using Shoal.Serialization;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Serialization;

/// <summary>
/// MessagePack and protobuf are separate packages: an application that only uses JSON does not depend on them, and one
/// that meets their content types without them is told which package to add.
/// </summary>
public sealed class OptInSerializerTests
{
    private const string Topic = "orders";
    private const string Dlq = "orders.g.dlq";

    private static readonly GroupOptions Group = new()
    {
        Name = "g",
        Topic = Topic,
        Retry = new RetryOptions { MaxAttempts = 1 },
        CommitInterval = TimeSpan.FromHours(1),
        DrainTimeout = TimeSpan.Zero,
    };

    [Fact]
    public void Shoal_Runtime_references_neither_MessagePack_nor_protobuf_net()
    {
        var referenced = typeof(ShoalRuntime).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Shoal.Abstractions", referenced);
        Assert.DoesNotContain(referenced, n => n.StartsWith("MessagePack", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(referenced, n => n.StartsWith("protobuf-net", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Shoal_Runtime_restores_neither_MessagePack_nor_protobuf_net()
    {
        // An unused package reference leaves no assembly reference but is still a dependency of the package.
        var lockFile = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "src", "Shoal.Runtime", "packages.lock.json"));

        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", lockFile, StringComparison.Ordinal);
        Assert.DoesNotContain("\"MessagePack", lockFile, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"protobuf-net", lockFile, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_default_serializers_are_JSON_and_XML()
    {
        var serializers = EventSerializers.CreateDefault();

        Assert.True(serializers.TryGetByContentType(ContentTypes.Json, out _));
        Assert.True(serializers.TryGetByContentType(ContentTypes.Xml, out _));
        Assert.False(serializers.TryGetByContentType(ContentTypes.MessagePack, out _));
        Assert.False(serializers.TryGetByContentType(ContentTypes.Protobuf, out _));
    }

    [Theory]
    [InlineData(SerializationFormat.MessagePack, "content type application/x-msgpack needs the Shoal.Serialization.MessagePack package: add it and call UseMessagePack()")]
    [InlineData(SerializationFormat.Protobuf, "content type application/x-protobuf needs the Shoal.Serialization.Protobuf package: add it and call UseProtobuf()")]
    public void Get_for_a_format_whose_package_is_not_added_names_the_package_and_the_call(SerializationFormat format, string expected)
    {
        var error = Assert.Throws<ShoalConfigurationException>(() => EventSerializers.CreateDefault().Get(format));

        Assert.Equal("format", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ContentTypes.MessagePack, "content type application/x-msgpack needs the Shoal.Serialization.MessagePack package: add it and call UseMessagePack()")]
    [InlineData("application/vnd.msgpack", "content type application/vnd.msgpack needs the Shoal.Serialization.MessagePack package: add it and call UseMessagePack()")]
    [InlineData(ContentTypes.Protobuf, "content type application/x-protobuf needs the Shoal.Serialization.Protobuf package: add it and call UseProtobuf()")]
    [InlineData("text/plain", "unsupported content type 'text/plain' (this node reads application/json, application/xml)")]
    public async Task An_event_in_a_content_type_this_node_cannot_read_is_dead_lettered_saying_what_to_add(string contentType, string expected)
    {
        await using var engine = Runtimes.Engine();
        var handled = 0;
        var handler = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            Interlocked.Increment(ref handled);
            return ValueTask.CompletedTask;
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group, handler));
        await shoal.StartAsync();

        // Written by a producer that has the package: real MessagePack bytes (the consumer never gets as far as reading them).
        var buffer = new ArrayBufferWriter<byte>();
        EventSerializers.CreateDefault().WithMessagePack().Get(SerializationFormat.MessagePack).Serialize(buffer, new Numbered("k", 1));
        var raw = new EventEnvelope("raw-1", Topic, "k", "numbered", buffer.WrittenMemory) { ContentType = contentType, Timestamp = DateTimeOffset.UtcNow };
        await engine.Log.AppendAsync(Topic, 0, new[] { raw }, new AppendedEvent[1]);

        await Wait.UntilAsync(async () => await Runtimes.CountAsync(engine, Dlq) == 1, "the unreadable event is dead-lettered");
        var dead = Assert.Single(await Runtimes.ReadAllAsync(engine, Dlq));
        var message = dead.Headers![ShoalHeaders.ErrorMessage];
        Assert.StartsWith($"Cannot read event 'numbered': {expected}", message, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(Numbered), message, StringComparison.Ordinal); // the event's name, not its .NET type
        Assert.Equal(ShoalHeaders.Reasons.MalformedPayload, dead.Headers[ShoalHeaders.DeadLetterReason]);
        Assert.Equal(0, Volatile.Read(ref handled));
    }

    [Fact]
    public async Task A_node_configured_with_a_format_whose_package_is_not_added_is_refused_at_create()
    {
        await using var engine = Runtimes.Engine();
        var options = new ShoalOptions
        {
            Topics = [new TopicOptions { Name = Topic, Partitions = 1, Format = SerializationFormat.MessagePack }],
        };

        var error = Assert.Throws<ShoalConfigurationException>(() => ShoalRuntime.Create(engine, options));

        Assert.Equal("ShoalOptions.Serializers", error.Field);
        Assert.Contains("topic 'orders' is MessagePack: content type application/x-msgpack needs the Shoal.Serialization.MessagePack package", error.Message, StringComparison.Ordinal);
        await using var withPackage = ShoalRuntime.Create(engine, options.UseMessagePack());
    }

    [Fact]
    public async Task An_event_type_of_a_format_whose_package_is_not_added_is_refused_at_create()
    {
        await using var engine = Runtimes.Engine();
        var options = new ShoalOptions { EventTypes = new EventTypeRegistry().Add<Numbered>("numbered", SerializationFormat.Protobuf) };

        var error = Assert.Throws<ShoalConfigurationException>(() => ShoalRuntime.Create(engine, options));

        Assert.Contains("event type 'numbered' is Protobuf: content type application/x-protobuf needs the Shoal.Serialization.Protobuf package", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_to_a_topic_another_node_made_protobuf_names_the_package()
    {
        await using var engine = Runtimes.Engine();
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = Topic, Partitions = 1, Format = SerializationFormat.Protobuf });
        await using var shoal = ShoalRuntime.Create(engine, new ShoalOptions { EventTypes = new EventTypeRegistry().Add<Numbered>("numbered") });

        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 1)));

        Assert.Contains("content type application/x-protobuf needs the Shoal.Serialization.Protobuf package", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseMessagePack_keeps_the_JSON_options_already_set()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.General);
        var options = new ShoalOptions { Serializers = EventSerializers.CreateDefault(json) }.UseMessagePack().UseProtobuf();
        var buffer = new ArrayBufferWriter<byte>();

        options.Serializers!.Get(SerializationFormat.Json).Serialize(buffer, new Numbered("k", 1));

        Assert.StartsWith("{\"Key\":", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan), StringComparison.Ordinal);
        Assert.Equal(ContentTypes.MessagePack, options.Serializers.Get(SerializationFormat.MessagePack).ContentType);
        Assert.Equal(ContentTypes.Protobuf, options.Serializers.Get(SerializationFormat.Protobuf).ContentType);
    }

    [Fact]
    public void With_refuses_a_serializer_that_writes_another_format_s_content_type()
    {
        var error = Assert.Throws<ShoalConfigurationException>(() => EventSerializers.CreateDefault().With(new Mislabelled()));

        Assert.Equal("serializer", error.Field);
        Assert.Contains("the MessagePack serializer writes content type 'application/json'; it must write application/x-msgpack", error.Message, StringComparison.Ordinal);
    }

    private sealed class Mislabelled : IEventSerializer
    {
        public SerializationFormat Format => SerializationFormat.MessagePack;

        public string ContentType => ContentTypes.Json;

        public void Serialize<T>(IBufferWriter<byte> destination, T value) => throw new NotSupportedException();

        public T Deserialize<T>(ReadOnlyMemory<byte> payload) => throw new NotSupportedException();
    }
}
