using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Server.Ingest;
using Shoal.Server.Status;

namespace Shoal.Server;

/// <summary>Topics (create: admin; list, describe: read) and groups (read).</summary>
internal sealed class AdminEndpoints(IShoalEngine engine, ShoalServerOptions options)
{
    public const int MaxPartitions = 100_000;

    // The library's read model of groups (the one AddShoal registers), judged by the server's own TTL and clock.
    private readonly ClusterStatusReader _status = new(engine, options.TimeProvider, options.SessionTtl);

    public async Task<IResult> CreateTopicAsync(HttpContext context, string topic)
    {
        if (!NameRules.IsValid(topic))
        {
            return Problems.Result(400, "Bad topic name", $"'{topic}' is not a topic name (1-200 of A-Z a-z 0-9 - _ .).", "topic");
        }

        if (JsonBody.Refuse(context.Request) is { } unsupported)
        {
            return unsupported;
        }

        // Kestrel caps the body (MaxRequestBytes plus the drain allowance), so this read is bounded.
        using var received = new MemoryStream();
        await context.Request.Body.CopyToAsync(received, context.RequestAborted);
        if (ReadCreateTopic(received.GetBuffer().AsSpan(0, (int)received.Length), out var partitions) is { } bad)
        {
            return Problems.Result(400, "Invalid request", $"'{bad.Field}' {bad.Message}", bad.Field);
        }

        var existing = await engine.Log.DescribeTopicAsync(topic, context.RequestAborted);
        if (existing is not null && existing.Partitions != partitions)
        {
            return Problems.Result(409, "Topic exists", $"Topic '{topic}' exists with {existing.Partitions} partitions; the count is fixed for a topic's life.", "partitions");
        }

        var created = existing ?? await engine.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = partitions }, context.RequestAborted);
        var body = await DescribeAsync(created, context.RequestAborted);
        return existing is null
            ? TypedResults.Json(body, ServerJsonContext.Default.TopicResponse, statusCode: 201)
            : TypedResults.Json(body, ServerJsonContext.Default.TopicResponse);
    }

    public async Task<IResult> ListTopicsAsync(CancellationToken cancellationToken)
    {
        var topics = await engine.Log.ListTopicsAsync(cancellationToken);
        return TypedResults.Json(
            new TopicListResponse([.. topics.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new TopicResponse(t.Name, t.Partitions, null))]),
            ServerJsonContext.Default.TopicListResponse);
    }

    public async Task<IResult> GetTopicAsync(string topic, CancellationToken cancellationToken)
    {
        if (!NameRules.IsValid(topic) || await engine.Log.DescribeTopicAsync(topic, cancellationToken) is not { } description)
        {
            return Problems.Result(404, "Unknown topic", $"Topic '{topic}' does not exist.", "topic");
        }

        return TypedResults.Json(await DescribeAsync(description, cancellationToken), ServerJsonContext.Default.TopicResponse);
    }

    public async Task<IResult> ListGroupsAsync(CancellationToken cancellationToken) =>
        TypedResults.Json(new GroupListResponse(await _status.ListGroupsAsync(cancellationToken)), ServerJsonContext.Default.GroupListResponse);

    public async Task<IResult> GetGroupAsync(string group, CancellationToken cancellationToken)
    {
        if (!NameRules.IsValid(group) || await _status.ReadGroupAsync(group, cancellationToken) is not { } status)
        {
            return Problems.Result(404, "Unknown group", $"Group '{group}' has no members, leases or committed offsets.", "group");
        }

        return TypedResults.Json(StatusMapper.ToResponse(status), ServerJsonContext.Default.GroupResponse);
    }

    /// <summary>
    /// Checks a topic-creation body, <c>{"partitions": N}</c>, as strictly as an ingest body: one object, no member but
    /// <c>partitions</c>, given once, a JSON number that is a whole number from 1 to <see cref="MaxPartitions"/> (not a
    /// string). Null when it is valid, with the count in <paramref name="partitions"/>.
    /// </summary>
    internal static IngestError? ReadCreateTopic(ReadOnlySpan<byte> body, out int partitions)
    {
        partitions = 0;
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return new IngestError(400, "body", "is empty; send {\"partitions\": N}.");
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new IngestError(400, "body", "must be an object, {\"partitions\": N}.");
            }

            var given = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (name != "partitions")
                {
                    return new IngestError(400, name, "is not a member of a topic; send {\"partitions\": N}.");
                }

                if (given)
                {
                    return IngestParser.GivenTwice(name);
                }

                given = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out partitions) || partitions is < 1 or > MaxPartitions)
                {
                    var was = reader.TokenType switch
                    {
                        JsonTokenType.Number when reader.ValueSpan.Length <= 40 => Encoding.UTF8.GetString(reader.ValueSpan),
                        JsonTokenType.Number => $"a number of {reader.ValueSpan.Length} characters",
                        JsonTokenType.String => "a string",
                        JsonTokenType.True or JsonTokenType.False => "a boolean",
                        JsonTokenType.Null => "null",
                        JsonTokenType.StartArray => "an array",
                        _ => "an object",
                    };
                    return new IngestError(400, "partitions", $"must be a whole number from 1 to {MaxPartitions} (the topic's fixed partition count); was {was}.");
                }
            }

            // Anything after the object is refused by the reader (JsonException below).
            reader.Read();
            return given ? null : new IngestError(400, "partitions", "is required: the topic's fixed partition count.");
        }
        catch (JsonException ex)
        {
            return new IngestError(400, "body", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }
        catch (InvalidOperationException)
        {
            // A member name that is not valid Unicode (an unpaired surrogate escape, or bytes that are not UTF-8).
            return new IngestError(400, "body", "is not valid UTF-8 JSON.");
        }
    }

    private async Task<TopicResponse> DescribeAsync(TopicDescription description, CancellationToken cancellationToken)
    {
        var offsets = new PartitionOffsetsResponse[description.Partitions];
        for (var p = 0; p < offsets.Length; p++)
        {
            var o = await engine.Log.GetOffsetsAsync(description.Name, p, cancellationToken);
            offsets[p] = new PartitionOffsetsResponse(p, o.Start, o.End);
        }

        return new TopicResponse(description.Name, description.Partitions, offsets);
    }
}
