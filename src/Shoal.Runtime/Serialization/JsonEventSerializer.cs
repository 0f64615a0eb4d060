using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Shoal.Serialization;

/// <summary>
/// System.Text.Json, UTF-8. Works with source-generated contexts: type metadata always comes from
/// <see cref="JsonSerializerOptions.GetTypeInfo(Type)"/>, so options whose <c>TypeInfoResolver</c> is a
/// <c>JsonSerializerContext</c> never fall back to reflection.
/// </summary>
internal sealed class JsonEventSerializer : IEventSerializer
{
    // One writer per thread, reused across calls (Reset points it at the next destination).
    [ThreadStatic]
    private static Utf8JsonWriter? _cachedWriter;

    [ThreadStatic]
    private static JsonEventSerializer? _cachedWriterOwner;

    private readonly JsonSerializerOptions _options;
    private readonly JsonWriterOptions _writerOptions;

    public JsonEventSerializer(JsonSerializerOptions options)
    {
        MakeReadOnly(options);
        _options = options;
        _writerOptions = new JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            IndentCharacter = options.IndentCharacter,
            IndentSize = options.IndentSize,
            NewLine = options.NewLine,
            MaxDepth = options.MaxDepth,
        };
    }

    public SerializationFormat Format => SerializationFormat.Json;

    public string ContentType => ContentTypes.Json;

    public void Serialize<T>(IBufferWriter<byte> destination, T value)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (value is null)
        {
            throw SerializationErrors.NullValue(typeof(T), ContentType);
        }

        var writer = RentWriter(destination);
        try
        {
            JsonSerializer.Serialize(writer, value, GetTypeInfo<T>());
            writer.Flush();
        }
        catch (Exception ex) when (ex is not EventSerializationException)
        {
            throw SerializationErrors.Serialize(typeof(T), ContentType, ex);
        }
        finally
        {
            ReturnWriter(writer);
        }
    }

    public T Deserialize<T>(ReadOnlyMemory<byte> payload)
    {
        T? value;
        try
        {
            // The span overload reads the payload in place and rejects trailing content.
            value = JsonSerializer.Deserialize(payload.Span, GetTypeInfo<T>());
        }
        catch (Exception ex) when (ex is not EventSerializationException)
        {
            throw SerializationErrors.Deserialize(typeof(T), ContentType, ex);
        }

        return value ?? throw SerializationErrors.Deserialize(typeof(T), ContentType, "payload is JSON null.");
    }

    // GetTypeInfo needs locked options with a resolver; lock them as JsonSerializer would on first use,
    // adding the reflection resolver only when none is set and reflection is allowed (not trimmed/AOT).
    private static void MakeReadOnly(JsonSerializerOptions options)
    {
        if (options.IsReadOnly)
        {
            return;
        }

        if (options.TypeInfoResolver is null && !JsonSerializer.IsReflectionEnabledByDefault)
        {
            throw new ShoalConfigurationException("JsonSerializerOptions.TypeInfoResolver",
                "must be set (for example to a source-generated JsonSerializerContext) when reflection-based serialization is disabled.");
        }

        options.MakeReadOnly(populateMissingResolver: options.TypeInfoResolver is null);
    }

    // Options.GetTypeInfo is a dictionary lookup per call; on the hot path remember the last serializer's
    // metadata per T in a static generic slot (one serializer per process is the common case).
    private JsonTypeInfo<T> GetTypeInfo<T>()
    {
        var cached = TypeInfoCache<T>.Entry;
        if (cached is not null && ReferenceEquals(cached.Owner, this))
        {
            return cached.Info;
        }

        var info = (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));
        TypeInfoCache<T>.Entry = new TypeInfoCache<T>.Cached(this, info);
        return info;
    }

    private static class TypeInfoCache<T>
    {
        public static Cached? Entry;

        public sealed record Cached(JsonEventSerializer Owner, JsonTypeInfo<T> Info);
    }

    private Utf8JsonWriter RentWriter(IBufferWriter<byte> destination)
    {
        var writer = _cachedWriter;
        if (writer is null || !ReferenceEquals(_cachedWriterOwner, this))
        {
            return new Utf8JsonWriter(destination, _writerOptions);
        }

        // Taken out while in use, so a converter that re-enters this serializer gets its own writer.
        _cachedWriter = null;
        writer.Reset(destination);
        return writer;
    }

    private void ReturnWriter(Utf8JsonWriter writer)
    {
        writer.Reset(NullBufferWriter.Instance); // drop the reference to the caller's buffer
        _cachedWriter = writer;
        _cachedWriterOwner = this;
    }

    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count) => throw new InvalidOperationException("Unused writer.");

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException("Unused writer.");

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException("Unused writer.");
    }
}
