using System.Globalization;
using Shoal.Scenarios.Nats;

namespace Shoal.TestSupport;

/// <summary>
/// A <see cref="LocalNatsCluster"/> (the one launcher of <c>nats-server</c>, in Shoal.Scenarios) with the fault injection only tests
/// use: <see cref="KillAsync"/> (SIGKILL), <see cref="RestartAsync"/> (same ports and data) and
/// <see cref="MetaLeaderAsync"/>. Disposing it stops the servers as the cluster does.
/// </summary>
internal sealed class NatsFaultCluster : IAsyncDisposable
{
    private NatsFaultCluster(LocalNatsCluster cluster) => Cluster = cluster;

    /// <summary>The servers this fixture drives.</summary>
    public LocalNatsCluster Cluster { get; }

    /// <inheritdoc cref="LocalNatsCluster.Urls"/>
    public IReadOnlyList<string> Urls => Cluster.Urls;

    /// <inheritdoc cref="LocalNatsCluster.EngineUri"/>
    public string EngineUri => Cluster.EngineUri;

    /// <inheritdoc cref="LocalNatsCluster.ProcessIds"/>
    public IReadOnlyList<int> ProcessIds => Cluster.ProcessIds;

    /// <summary>Starts the servers as <see cref="LocalNatsCluster.StartAsync"/> does.</summary>
    public static async Task<NatsFaultCluster> StartAsync(LocalNatsClusterOptions? options = null, CancellationToken cancellationToken = default) =>
        new(await LocalNatsCluster.StartAsync(options, cancellationToken));

    /// <summary>
    /// An engine connected to server <paramref name="index"/> alone, with the cluster's replicas: it stays on that server
    /// while others are killed.
    /// </summary>
    public ValueTask<Shoal.Engine.IShoalEngine> OpenEngineOnAsync(int index, CancellationToken cancellationToken = default) =>
        Shoal.Engine.ShoalEngines.OpenAsync(Cluster.Urls[index] + Cluster.EngineUri[Cluster.EngineUri.IndexOf('?', StringComparison.Ordinal)..], cancellationToken: cancellationToken);

    /// <summary>A new topic of one partition (the engine's default replicas) holding <paramref name="events"/> events at offsets 0 on.</summary>
    public static async Task<string> TopicWithEventsAsync(Shoal.Engine.IShoalEngine engine, string prefix, int events, CancellationToken cancellationToken = default)
    {
        var topic = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await engine.Log.CreateTopicAsync(new Shoal.TopicOptions { Name = topic, Partitions = 1 }, cancellationToken);
        var envelopes = Enumerable.Range(0, events)
            .Select(i => new Shoal.EventEnvelope($"e{i}", topic, "k", "t", System.Text.Encoding.UTF8.GetBytes("x")))
            .ToArray();
        await engine.Log.AppendAsync(topic, 0, envelopes, new Shoal.Engine.AppendedEvent[events], cancellationToken);
        return topic;
    }

    /// <summary>Kills server <paramref name="index"/> with SIGKILL and waits for it to exit.</summary>
    public async Task KillAsync(int index)
    {
        if (Cluster.Nodes[index].Process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            process.Dispose();
            Cluster.Nodes[index].Process = null;
        }
    }

    /// <summary>
    /// Starts server <paramref name="index"/> again on its ports with its data and, unless <paramref name="waitUntilReady"/>
    /// is false (to catch it while it rejoins), waits until JetStream answers.
    /// </summary>
    public async Task RestartAsync(int index, bool waitUntilReady = true, CancellationToken cancellationToken = default)
    {
        await KillAsync(index);
        Cluster.Launch(Cluster.Nodes[index]);
        if (waitUntilReady)
        {
            await Cluster.WaitReadyAsync(cancellationToken);
        }
    }

    /// <summary>The index of the server JetStream's meta leader runs on (from a running server's <c>/jsz</c>), or null when none is known.</summary>
    public async Task<int?> MetaLeaderAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var node in Cluster.Nodes.Where(n => n.Process is not null))
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{LocalNatsCluster.Port(node.MonitorPort)}/jsz"), cancellationToken);
                using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                if (json.RootElement.TryGetProperty("meta_cluster", out var meta) && meta.TryGetProperty("leader", out var leader)
                    && leader.GetString() is { } name && name.StartsWith("shoal-", StringComparison.Ordinal)
                    && int.TryParse(name.AsSpan("shoal-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return index;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                // Ask the next server.
            }
        }

        return null;
    }

    /// <summary>Stops the servers (SIGTERM, then SIGKILL) and deletes a temporary directory.</summary>
    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
