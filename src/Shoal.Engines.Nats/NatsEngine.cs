using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using Shoal.Engine;

namespace Shoal.Engines.Nats;

/// <summary>
/// The NATS JetStream engine (docs/nats.md): events in JetStream streams, coordination in a JetStream KV bucket, shared
/// by every process connected to the same servers.
/// </summary>
public static class NatsEngine
{
    /// <summary>
    /// Connects to the servers, checks JetStream is enabled, and creates the coordination bucket if it is missing.
    /// Throws <see cref="ShoalConfigurationException"/> for invalid options and <see cref="EngineException"/>, naming the
    /// servers and the cause, when they cannot be reached, refuse the credentials, or have JetStream off.
    /// </summary>
    public static async ValueTask<IShoalEngine> ConnectAsync(NatsEngineOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= NatsEngineOptions.Default;
        options.Validate();
        var servers = options.Connection.Describe();
        var connection = new NatsConnection(NatsClientOptions.Create(options));
        try
        {
            try
            {
                await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Transient unless the server answered with a refusal (credentials, TLS): a server not up yet, or
                // restarting, is what a caller's retries are for (`shoal produce --timeout`, a worker's start-up).
                throw NatsErrors.Failure($"Cannot connect to NATS at {servers}: {NatsErrors.DescribeConnectFailure(e)}", e);
            }

            var js = new NatsJSContext(connection);
            try
            {
                await js.GetAccountInfoAsync(cancellationToken);
            }
            catch (NatsException e) when (connection.ServerInfo is { JetStreamAvailable: false }
                || e is NatsJSApiException { Error.ErrCode: NatsErrors.NotEnabled or NatsErrors.NotEnabledForAccount })
            {
                // The server answered, and said it has no JetStream (its INFO, or the API's answer).
                throw new EngineException(
                    $"NATS at {servers} does not offer JetStream ({NatsErrors.Describe(e)}); start nats-server with -js, or enable JetStream for this account.", e);
            }
            catch (NatsException e)
            {
                // JetStream is on but did not answer: a server starting, or the cluster electing its meta leader.
                throw NatsErrors.Failure(
                    $"NATS at {servers}: JetStream did not answer ({NatsErrors.Describe(e)}); a server may be starting or the cluster electing a leader.", e);
            }

            var clusterSize = ClusterSize(connection.ServerInfo, options.Connection.Urls.Count);
            var fallback = Math.Min(3, clusterSize);
            options = options with
            {
                DefaultReplicas = options.DefaultReplicas ?? fallback,
                CoordinationReplicas = options.CoordinationReplicas ?? fallback,
            };
            var confirm = !NatsCoordinationStore.AtomicCompareAndSet(connection.ServerInfo?.Version, clusterSize);
            var store = await OpenBucketAsync(new NatsKVContext(js), options, servers, cancellationToken);
            if (confirm)
            {
                await KeepHistoryAsync(js, servers, cancellationToken);
                NatsLog.ConfirmingUpdates(options.LoggerFactory.CreateLogger(typeof(NatsEngine).FullName!), servers, connection.ServerInfo?.Version ?? "unknown");
            }

            await WarnOfSingleReplicaAsync(store, options, servers, clusterSize, cancellationToken);
            var acks = await PublishAcks.StartAsync(connection, cancellationToken);
            var serverLimit = connection.ServerInfo?.MaxPayload ?? int.MaxValue;
            var log = new NatsEventLog(connection, js, options, acks, Math.Min(options.MaxEventBytes, serverLimit));
            return new NatsShoalEngine($"nats://{string.Join(",", options.Connection.Urls.Select(HostPort))}", connection, acks, log,
                new NatsCoordinationStore(store, options.Connection.RequestTimeout, confirm ? js : null));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async ValueTask<INatsKVStore> OpenBucketAsync(NatsKVContext kv, NatsEngineOptions options, string servers, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                return await kv.GetStoreAsync(NatsNames.CoordinationBucket, cancellationToken);
            }
            catch (NatsKVException)
            {
                // Missing: create it below.
            }
            catch (NatsJSApiException e) when (e.Error.ErrCode == NatsErrors.StreamNotFound)
            {
                // Missing: create it below.
            }

            try
            {
                return await kv.CreateStoreAsync(new NatsKVConfig(NatsNames.CoordinationBucket)
                {
                    History = 1,
                    NumberOfReplicas = options.CoordinationReplicas ?? 1,
                    Storage = NatsKVStorageType.File,
                    Description = "Shoal coordination: membership, leases, committed offsets (docs/wire-format.md)",
                }, cancellationToken);
            }
            catch (NatsJSApiException e) when (e.Error.ErrCode == NatsErrors.StreamNameInUse)
            {
                // Another process created it first.
                return await kv.GetStoreAsync(NatsNames.CoordinationBucket, cancellationToken);
            }
        }
        catch (NatsException e)
        {
            throw NatsErrors.Failure($"NATS at {servers}: opening the coordination bucket '{NatsNames.CoordinationBucket}' failed: {NatsErrors.Describe(e)}", e);
        }
    }

    /// <summary>
    /// Keeps <see cref="NatsCoordinationStore.ConfirmHistory"/> writes per key in the coordination bucket (it is created
    /// with 1), so a confirmed update still finds a concurrent write that came before it when a later one has been
    /// applied too (with one kept, the later write removes the earlier and both would be confirmed). Only raised, never lowered.
    /// </summary>
    private static async ValueTask KeepHistoryAsync(NatsJSContext js, string servers, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await js.GetStreamAsync(NatsNames.CoordinationStream, cancellationToken: cancellationToken);
            var config = stream.Info.Config;
            if (config.MaxMsgsPerSubject < NatsCoordinationStore.ConfirmHistory)
            {
                config.MaxMsgsPerSubject = NatsCoordinationStore.ConfirmHistory;
                await stream.UpdateAsync(config, cancellationToken);
            }
        }
        catch (NatsException e)
        {
            throw NatsErrors.Failure($"NATS at {servers}: keeping {NatsCoordinationStore.ConfirmHistory} writes per key in the coordination bucket '{NatsNames.CoordinationBucket}' failed: {NatsErrors.Describe(e)}", e);
        }
    }

    /// <summary>
    /// The servers of the cluster: the client URLs the connected server announces for its cluster (<c>connect_urls</c>),
    /// or the servers the URI names, whichever is more; 1 for a server in no cluster.
    /// </summary>
    internal static int ClusterSize(INatsServerInfo? info, int urlsInUri)
    {
        var announced = info?.ClientConnectUrls?.Distinct(StringComparer.OrdinalIgnoreCase).Count() ?? 0;
        return info is not null && string.IsNullOrEmpty(info.Cluster) && announced <= 1 ? 1 : Math.Max(1, Math.Max(announced, urlsInUri));
    }

    private static async ValueTask WarnOfSingleReplicaAsync(INatsKVStore store, NatsEngineOptions options, string servers, int clusterSize, CancellationToken cancellationToken)
    {
        var logger = options.LoggerFactory.CreateLogger(typeof(NatsEngine).FullName!);
        var replicas = options.CoordinationReplicas ?? 1;
        try
        {
            var status = await store.GetStatusAsync(cancellationToken);
            replicas = status.Info.Config.NumReplicas;
        }
        catch (NatsException)
        {
            // The bucket answered a moment ago; without its status, judge by what was asked for.
        }

        if (clusterSize > 1 && replicas < 2)
        {
            NatsLog.SingleReplicaCoordination(logger, servers, NatsNames.CoordinationBucket, replicas, clusterSize);
        }

        var connection = options.Connection;
        NatsLog.Connected(logger, servers, clusterSize, options.DefaultReplicas ?? 1, replicas, connection.PingInterval, connection.MaxPingsOut, connection.RequestTimeout);
    }

    private static string HostPort(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Host}:{uri.Port}" : url;
}
