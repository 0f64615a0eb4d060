using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Hosting.Configuration;
using Shoal.Hosting.Handlers;
using Shoal.Serialization;

namespace Shoal.Hosting;

/// <summary>
/// Configures the Shoal node that <c>AddShoal</c> adds: the engine, topics,
/// event types, groups and their handlers. Everything is checked when the host starts; a mistake there makes
/// <c>host.StartAsync</c> throw <see cref="ShoalConfigurationException"/> naming the field.
/// </summary>
public sealed class ShoalBuilder
{
    private readonly List<TopicOptions> _topics = [];
    private readonly List<GroupOptions> _groups = [];
    private readonly List<HandlerBinding> _handlers = [];
    private readonly List<Func<ShoalOptions, ShoalOptions>> _configure = [];
    private readonly List<Action<EventTypeRegistry>> _eventTypes = [];
    private readonly List<(string Group, ClusterMemberOptions Member)> _members = [];
    private Func<IServiceProvider, IShoalEngine>? _engine;
    private Func<IServiceProvider, CancellationToken, ValueTask<IShoalEngine>>? _openEngine;
    private IConfiguration? _configuration;
    private Lazy<ConfiguredShoal>? _configured;

    internal ShoalBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection Shoal is added to.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Uses the engine <paramref name="factory"/> creates (once, when the node is first needed). The container owns
    /// it: it is disposed with the container.
    /// </summary>
    public ShoalBuilder UseEngine(Func<IServiceProvider, IShoalEngine> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _engine = factory;
        _openEngine = null;
        return this;
    }

    /// <summary>
    /// Uses the engine <paramref name="factory"/> opens, awaited when the host starts (before the groups start), with
    /// the host's start token. <see cref="IShoalEngine"/>, <see cref="ShoalRuntime"/> and <see cref="IEventPublisher"/>
    /// can be injected before that, but publishing or reading before <c>host.StartAsync</c> throws
    /// <see cref="ShoalException"/>. The container owns the engine: it is disposed with the container.
    /// </summary>
    public ShoalBuilder UseEngine(Func<IServiceProvider, CancellationToken, ValueTask<IShoalEngine>> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _openEngine = factory;
        _engine = null;
        return this;
    }

    /// <summary>
    /// Uses the engine <paramref name="uri"/> names — <c>inproc://</c>, <c>inproc://NAME</c>, <c>file://DIR?…</c>,
    /// <c>nats://HOST:PORT?…</c> (docs/engines.md) — opened with <see cref="ShoalEngines.OpenAsync"/> when the host starts,
    /// with the container's <see cref="ILoggerFactory"/> and <see cref="TimeProvider"/>. <c>nats://</c> needs the package
    /// Shoal.Engines.Nats in the application. A URI that cannot be used makes <c>host.StartAsync</c> throw
    /// <see cref="ShoalConfigurationException"/> (field <see cref="ShoalEngines.UriField"/>) naming it; otherwise as
    /// <see cref="UseEngine(Func{IServiceProvider, CancellationToken, ValueTask{IShoalEngine}})"/>.
    /// </summary>
    public ShoalBuilder UseEngine(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return UseEngine((services, cancellationToken) => OpenUriAsync(uri, services, cancellationToken));
    }

    private ValueTask<IShoalEngine> OpenUriAsync(string uri, IServiceProvider services, CancellationToken cancellationToken)
    {
        // The engine's connection must notice a dead server within the tightest session of the node's members (docs/nats.md, Liveness).
        var tightest = AllMembers().Select(m => m.Member.Cluster).Where(c => c is not null).MinBy(c => c.SessionTtl);
        return ShoalEngines.OpenAsync(uri, new EngineServices
        {
            LoggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            TimeProvider = TimeOf(services),
            SessionTtl = tightest?.SessionTtl,
            HeartbeatInterval = tightest?.HeartbeatInterval,
        }, cancellationToken);
    }

    /// <summary>
    /// Uses the in-process engine (the default when no engine is chosen). With no <paramref name="options"/>, its
    /// time comes from the <see cref="TimeProvider"/> registered in the container, if any.
    /// </summary>
    public ShoalBuilder UseInProcessEngine(InProcessEngineOptions? options = null)
    {
        _engine = sp => CreateInProcessEngine(sp, options);
        _openEngine = null;
        return this;
    }

    /// <summary>Adds a topic, created at start if absent.</summary>
    public ShoalBuilder AddTopic(TopicOptions topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        _topics.Add(topic);
        return this;
    }

    /// <summary>Adds a topic with <paramref name="partitions"/> partitions and default options, created at start if absent.</summary>
    public ShoalBuilder AddTopic(string name, int partitions = 12) => AddTopic(new TopicOptions { Name = name, Partitions = partitions });

    /// <summary>
    /// Registers event type <typeparamref name="TEvent"/> under <paramref name="name"/> (default the type's name),
    /// optionally with its own payload format. Publishers and handlers only use registered types.
    /// </summary>
    public ShoalBuilder AddEventType<TEvent>(string? name = null, SerializationFormat? format = null)
    {
        _eventTypes.Add(registry => registry.Add<TEvent>(name, format));
        return this;
    }

    /// <summary>Adds a group this node runs; give it handlers with <see cref="AddHandler{TEvent, THandler}"/>.</summary>
    public ShoalBuilder AddGroup(GroupOptions group)
    {
        ArgumentNullException.ThrowIfNull(group);
        _groups.Add(group);
        return this;
    }

    /// <summary>
    /// Adds <typeparamref name="THandler"/> as the handler of <typeparamref name="TEvent"/> events in
    /// <paramref name="group"/>, resolved from the container. If <typeparamref name="THandler"/> is not registered yet,
    /// it is registered with <paramref name="lifetime"/>. A handler whose registration is scoped or transient is
    /// resolved in a new scope for every event (every attempt), and the scope is disposed when it returns; a singleton
    /// is resolved once. Several handlers of one event type in a group run in the order they were added.
    /// </summary>
    public ShoalBuilder AddHandler<TEvent, THandler>(string group, ServiceLifetime lifetime = ServiceLifetime.Scoped)
        where THandler : class, IEventHandler<TEvent>
    {
        ArgumentNullException.ThrowIfNull(group);
        Services.TryAdd(new ServiceDescriptor(typeof(THandler), typeof(THandler), lifetime));
        _handlers.Add(new HandlerBinding<TEvent, THandler>(group));
        return this;
    }

    /// <summary>
    /// Makes this node a member of <paramref name="group"/>'s cluster: the group's partitions are shared with the
    /// other nodes that join it (<see cref="PartitionOwnership.Assigned"/> is set for you), through heartbeats,
    /// the member's assignor and fenced leases. The member starts after the runtime and, on host stop, hands its
    /// partitions over before the runtime stops.
    /// </summary>
    public ShoalBuilder JoinCluster(string group, ClusterMemberOptions member)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(member);
        member.Validate();
        if (_members.Exists(m => m.Group == group))
        {
            throw new ShoalConfigurationException("ShoalBuilder.JoinCluster", $"group '{group}' already joins a cluster; a node has one member per group.");
        }

        _members.Add((group, member));
        return this;
    }

    /// <summary>
    /// Changes the remaining <see cref="ShoalOptions"/> (publisher, serializers, random seed, scheduler...), applied
    /// in order after everything else this builder set, e.g. <c>Configure(o =&gt; o with { RandomSeed = 42 })</c>.
    /// </summary>
    public ShoalBuilder Configure(Func<ShoalOptions, ShoalOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configure.Add(configure);
        return this;
    }

    /// <summary>True when the engine comes from a URI (in code or configuration) or an async factory, opened by the hosted service's start.</summary>
    internal bool OpensEngineOnStart => OpenEngine is not null;

    /// <summary>The engine's async opener: the code's, or the configuration's <c>Engine</c> URI when the code chose none.</summary>
    private Func<IServiceProvider, CancellationToken, ValueTask<IShoalEngine>>? OpenEngine
    {
        get
        {
            if (Configured is not { EngineUri: { } uri, EnginePath: { } path })
            {
                return _openEngine;
            }

            if (_openEngine is not null || _engine is not null)
            {
                throw new ShoalConfigurationException(path,
                    $"is set ('{ShoalEngines.Redact(uri)}') and the code chooses an engine too (UseEngine or UseInProcessEngine); keep one of them.");
            }

            return async (services, cancellationToken) =>
            {
                try
                {
                    return await OpenUriAsync(uri, services, cancellationToken);
                }
                catch (ShoalConfigurationException ex) when (ex.Field == ShoalEngines.UriField)
                {
                    throw new ShoalConfigurationException(path, ex.Message[(ex.Field.Length + 2)..]);
                }
            };
        }
    }

    /// <summary>What <c>AddShoal(configuration)</c>'s section says, read once (when the node or engine is first needed); null without one.</summary>
    private ConfiguredShoal? Configured => _configured?.Value;

    /// <summary>Reads the engine URI, topics and groups from <paramref name="configuration"/> when the host starts.</summary>
    internal void UseConfiguration(IConfiguration configuration)
    {
        if (_configuration is not null && !ReferenceEquals(_configuration, configuration))
        {
            throw new ShoalConfigurationException("AddShoal",
                $"a configuration section was already given ({PathOf(_configuration)}); give Shoal its settings in one section.");
        }

        _configuration = configuration;
        _configured = new Lazy<ConfiguredShoal>(() => ShoalConfigurationReader.Read(configuration));
    }

    private static string PathOf(IConfiguration configuration) => configuration is IConfigurationSection section ? $"'{section.Path}'" : "the root";

    private static string PrefixOf(IConfiguration? configuration) => configuration is IConfigurationSection section ? section.Path + ":" : string.Empty;

    internal IShoalEngine CreateEngine(IServiceProvider services)
    {
        if (OpenEngine is { } open)
        {
            return new DeferredEngine(open, services);
        }

        var engine = _engine is null ? CreateInProcessEngine(services, null) : _engine(services);
        return engine ?? throw new ShoalConfigurationException("ShoalBuilder.UseEngine", "the engine factory returned null.");
    }

    internal ShoalNode CreateNode(IServiceProvider services)
    {
        var options = BuildOptions(services);
        var members = AllMembers().ToDictionary(m => m.Group, m => m.Member, StringComparer.Ordinal);
        return ShoalNode.Create(services.GetRequiredService<IShoalEngine>(), options, members);
    }

    private List<GroupOptions> AllGroups() => [.. Configured?.Groups ?? [], .. _groups];

    private List<(string Group, ClusterMemberOptions Member)> AllMembers()
    {
        var configured = Configured?.Members ?? [];
        foreach (var (group, _) in _members)
        {
            if (configured.Any(m => m.Group == group))
            {
                throw new ShoalConfigurationException($"{PrefixOf(_configuration)}Groups:{group}:Cluster",
                    $"group '{group}' joins its cluster in configuration and in code (JoinCluster); keep one of them.");
            }
        }

        return [.. configured, .. _members];
    }

    internal ShoalOptions BuildOptions(IServiceProvider services)
    {
        var registry = new EventTypeRegistry();
        foreach (var add in _eventTypes)
        {
            add(registry);
        }

        var allGroups = AllGroups();
        var allMembers = AllMembers();
        foreach (var handler in _handlers)
        {
            if (!allGroups.Exists(g => g.Name == handler.Group))
            {
                throw new ShoalConfigurationException("ShoalBuilder.AddHandler",
                    $"{handler.HandlerType.Name} is added to group '{handler.Group}', which is not added; add it with AddGroup(new GroupOptions {{ Name = \"{handler.Group}\", Topic = ... }}){WhereInConfiguration(handler.Group)}.");
            }
        }

        foreach (var group in Configured?.Groups ?? [])
        {
            if (!_handlers.Exists(h => h.Group == group.Name))
            {
                throw new ShoalConfigurationException($"{PrefixOf(_configuration)}Groups:{group.Name}",
                    $"has no handler; add one in code: AddHandler<TEvent, THandler>(\"{group.Name}\").");
            }
        }

        foreach (var (group, _) in _members)
        {
            if (!allGroups.Exists(g => g.Name == group))
            {
                throw new ShoalConfigurationException("ShoalBuilder.JoinCluster",
                    $"group '{group}' is not added; add it with AddGroup(new GroupOptions {{ Name = \"{group}\", Topic = ... }}){WhereInConfiguration(group)}.");
            }
        }

        var groups = allGroups.Select(g => new GroupRegistration
        {
            Options = allMembers.Exists(m => m.Group == g.Name) ? g with { PartitionOwnership = PartitionOwnership.Assigned } : g,
            Handlers = [.. _handlers.Where(h => h.Group == g.Name).Select(h => h.Create(services, LifetimeOf(h.HandlerType)))],
        });

        var options = new ShoalOptions
        {
            Topics = [.. Configured?.Topics ?? [], .. _topics],
            EventTypes = registry,
            Groups = [.. groups],
            TimeProvider = TimeOf(services),
            LoggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
        };

        foreach (var configure in _configure)
        {
            options = configure(options) ?? throw new ShoalConfigurationException("ShoalBuilder.Configure", "the function returned null.");
        }

        CheckHandledTypesAreRegistered(options);
        return options;
    }

    private string WhereInConfiguration(string group) =>
        _configuration is null ? string.Empty : $" or in configuration ({PrefixOf(_configuration)}Groups:{group}:Topic)";

    private static IShoalEngine CreateInProcessEngine(IServiceProvider services, InProcessEngineOptions? options) =>
        InProcessEngine.Create(options ?? InProcessEngineOptions.Default with { TimeProvider = TimeOf(services) });

    private static TimeProvider TimeOf(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <summary>The same check as <see cref="ShoalOptions.Validate"/>, with a message that points at this builder.</summary>
    private static void CheckHandledTypesAreRegistered(ShoalOptions options)
    {
        if (options.EventTypes is null || options.Groups is null)
        {
            return;
        }

        foreach (var group in options.Groups)
        {
            foreach (var handler in group?.Handlers ?? [])
            {
                if (handler is not null && !options.EventTypes.TryGet(handler.EventType, out _))
                {
                    throw new ShoalConfigurationException("GroupRegistration.Handlers",
                        $"group '{group!.Options?.Name}' handles {handler.EventType.FullName}, which is not a registered event type; register it with AddEventType<{handler.EventType.Name}>().");
                }
            }
        }
    }

    private ServiceLifetime LifetimeOf(Type handlerType)
    {
        // The last registration wins, as in the container. AddHandler registered one if there was none.
        for (var i = Services.Count - 1; i >= 0; i--)
        {
            var descriptor = Services[i];
            if (descriptor.ServiceType == handlerType && !descriptor.IsKeyedService)
            {
                return descriptor.Lifetime;
            }
        }

        return ServiceLifetime.Scoped;
    }
}
