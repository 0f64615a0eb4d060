using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Server.Status;

namespace Shoal.Server;

/// <summary>Topics (create: admin; list, describe: read) and groups (read).</summary>
internal sealed class AdminEndpoints(IShoalEngine engine, ShoalServerOptions options)
{
    public const int MaxPartitions = 100_000;

    public async Task<IResult> CreateTopicAsync(HttpContext context, string topic)
    {
        if (!NameRules.IsValid(topic))
        {
            return Problems.Result(400, "Bad topic name", $"'{topic}' is not a topic name (1-200 of A-Z a-z 0-9 - _ .).", "topic");
        }

        CreateTopicRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, ServerJsonContext.Default.CreateTopicRequest, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            return Problems.Result(400, "Invalid request", $"The body must be {{\"partitions\": N}}: {ex.Message}", "body");
        }

        if (request?.Partitions is not { } partitions)
        {
            return Problems.Result(400, "Invalid request", "'partitions' is required: the topic's fixed partition count.", "partitions");
        }

        if (partitions is < 1 or > MaxPartitions)
        {
            return Problems.Result(400, "Invalid request", $"'partitions' must be 1-{MaxPartitions}; was {partitions}.", "partitions");
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
        TypedResults.Json(new GroupListResponse(await ClusterStatus.ListGroupsAsync(engine, cancellationToken)), ServerJsonContext.Default.GroupListResponse);

    public async Task<IResult> GetGroupAsync(string group, CancellationToken cancellationToken)
    {
        if (!NameRules.IsValid(group) || await ClusterStatus.ReadGroupAsync(engine, group, options.SessionTtl, options.TimeProvider, cancellationToken) is not { } status)
        {
            return Problems.Result(404, "Unknown group", $"Group '{group}' has no members, leases or committed offsets.", "group");
        }

        return TypedResults.Json(StatusMapper.ToResponse(status), ServerJsonContext.Default.GroupResponse);
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
