using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shoal.Cluster;
using Shoal.Engine;

namespace Shoal.Hosting;

/// <summary>
/// Starts the <see cref="ShoalNode"/> (its runtime and cluster members) with the host and stops it with the host: on SIGTERM or Ctrl-C the generic
/// host calls <see cref="StopAsync"/>, which stops fetching and starting events, waits for the handler calls running
/// (up to each group's <see cref="GroupOptions.DrainTimeout"/>) and commits. The host's token (fired at
/// <c>HostOptions.ShutdownTimeout</c>) cuts that short, so the drain timeout must fit inside the shutdown timeout.
/// </summary>
internal sealed partial class ShoalHostedService(IServiceProvider services) : IHostedService
{
    private readonly ILogger _logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Shoal.Hosting");
    private ShoalNode? _node;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var lifecycle = services.GetRequiredService<NodeLifecycle>();
        lifecycle.Set(NodeState.Starting);
        try
        {
            await StartNodeAsync(lifecycle, cancellationToken);
        }
        catch (Exception)
        {
            lifecycle.Set(NodeState.StartFailed);
            throw;
        }
    }

    private async Task StartNodeAsync(NodeLifecycle lifecycle, CancellationToken cancellationToken)
    {
        // An engine from a URI or an async factory opens here, with the host's start token (ShoalBuilder.UseEngine).
        if (services.GetRequiredService<ShoalBuilder>().OpensEngineOnStart && services.GetRequiredService<IShoalEngine>() is DeferredEngine deferred)
        {
            await deferred.OpenAsync(cancellationToken);
        }

        // Created here rather than in the constructor so that invalid options surface from host.StartAsync as the
        // ShoalConfigurationException itself. The node starts the runtime, then each group's cluster member; a start
        // that fails stops what it had started.
        var node = services.GetRequiredService<ShoalNode>();
        WarnIfDrainDoesNotFit(node.Runtime.Options);
        _node = node;
        lifecycle.Set(NodeState.Starting, node);
        await node.StartAsync(cancellationToken);
        lifecycle.Set(NodeState.Running);
        LogStarted(_logger, ShoalEngines.Redact(node.Engine.Name), node.Runtime.Options.Groups.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_node is not { } node)
        {
            return;
        }

        LogStopping(_logger);

        // The members hand their partitions over (stop starting events, wait for the running handler calls, commit,
        // release) and leave, so the other members take them at once; then the runtime stops the rest the same way.
        await node.StopAsync(cancellationToken);
        services.GetRequiredService<NodeLifecycle>().Set(NodeState.Stopped);
        LogStopped(_logger);
    }

    private void WarnIfDrainDoesNotFit(ShoalOptions options)
    {
        if (services.GetService<IOptions<HostOptions>>()?.Value is not { } host)
        {
            return;
        }

        foreach (var group in options.Groups)
        {
            // Equal does not fit either: the commit after the drain needs time too, and it is skipped once the
            // host's token fires.
            if (group.Options.DrainTimeout >= host.ShutdownTimeout)
            {
                LogDrainDoesNotFit(_logger, group.Options.Name, group.Options.DrainTimeout, host.ShutdownTimeout);
            }
        }
    }

    [LoggerMessage(3001, LogLevel.Information, "Shoal started on {Engine} with {Groups} group(s)")]
    private static partial void LogStarted(ILogger logger, string engine, int groups);

    [LoggerMessage(3002, LogLevel.Information, "Shoal stopping: waiting for the running handler calls and committing")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(3003, LogLevel.Information, "Shoal stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(3004, LogLevel.Warning,
        "Group {Group}: GroupOptions.DrainTimeout ({DrainTimeout}) does not fit inside HostOptions.ShutdownTimeout ({ShutdownTimeout}); " +
        "a slow drain would be cut off before its offsets are committed. Lower the DrainTimeout or raise the ShutdownTimeout.")]
    private static partial void LogDrainDoesNotFit(ILogger logger, string group, TimeSpan drainTimeout, TimeSpan shutdownTimeout);
}
