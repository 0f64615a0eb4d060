using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Serialization;

namespace Shoal;

/// <summary>Everything a <see cref="ShoalRuntime"/> runs: topics, event types, groups, and the injected environment.</summary>
public sealed record ShoalOptions
{
    /// <summary>Topics created at start if absent.</summary>
    public IReadOnlyList<TopicOptions> Topics { get; init; } = [];

    /// <summary>The event types, by name. Publishers and handlers only use registered types.</summary>
    public EventTypeRegistry EventTypes { get; init; } = new();

    /// <summary>The groups this node runs, each with its handlers.</summary>
    public IReadOnlyList<GroupRegistration> Groups { get; init; } = [];

    /// <summary>How unkeyed events are spread.</summary>
    public PublisherOptions Publisher { get; init; } = new();

    /// <summary>
    /// The serializers. Default: <see cref="EventSerializers.CreateDefault"/> (JSON and XML). MessagePack and protobuf come from
    /// their packages: <c>UseMessagePack()</c> (Shoal.Serialization.MessagePack), <c>UseProtobuf()</c> (Shoal.Serialization.Protobuf);
    /// call them after setting this property, which they extend.
    /// </summary>
    public EventSerializers? Serializers { get; init; }

    /// <summary>The only source of time (delays, timeouts, commit interval). Tests and the simulation pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Seed for every random choice (backoff jitter, unkeyed partitioning, id prefix). Null: random.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>Where partition loops run. Default: the thread pool. The simulation passes a single-threaded scheduler.</summary>
    public TaskScheduler? Scheduler { get; init; }

    /// <summary>Test switch for the simulation's checker: commits ignore the fencing epoch. Never set it elsewhere.</summary>
    internal bool UnsafeCommitWithoutFencing { get; init; }

    /// <summary>Logging. Default: none.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Require("ShoalOptions.Topics", Topics);
        Require("ShoalOptions.EventTypes", EventTypes);
        Require("ShoalOptions.Groups", Groups);
        Require("ShoalOptions.Publisher", Publisher);
        Require("ShoalOptions.TimeProvider", TimeProvider);
        Require("ShoalOptions.LoggerFactory", LoggerFactory);
        Publisher.Validate();
        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in Topics)
        {
            Require("ShoalOptions.Topics[]", topic);
            topic.Validate();
            if (!topics.Add(topic.Name))
            {
                throw new ShoalConfigurationException("ShoalOptions.Topics", $"topic '{topic.Name}' is listed twice.");
            }
        }

        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in Groups)
        {
            Require("ShoalOptions.Groups[]", group);
            Require("GroupRegistration.Options", group.Options);
            group.Options.Validate();
            if (!groups.Add(group.Options.Name))
            {
                throw new ShoalConfigurationException("GroupOptions.Name", $"group '{group.Options.Name}' is listed twice.");
            }

            if (group.Handlers is null || group.Handlers.Count == 0)
            {
                throw new ShoalConfigurationException("GroupRegistration.Handlers", $"group '{group.Options.Name}' has no handler.");
            }

            foreach (var handler in group.Handlers)
            {
                Require("GroupRegistration.Handlers[]", handler);
                if (!EventTypes.TryGet(handler.EventType, out _))
                {
                    throw new ShoalConfigurationException("GroupRegistration.Handlers",
                        $"group '{group.Options.Name}' handles '{handler.EventType.Name}', which is not registered; add it to ShoalOptions.EventTypes.");
                }
            }
        }
    }

    private static void Require(string field, object? value)
    {
        if (value is null)
        {
            throw new ShoalConfigurationException(field, "must not be null.");
        }
    }
}
