namespace Shoal.Engines.Nats;

/// <summary>
/// How to reach a NATS server or cluster: one or more URLs, at most one kind of credentials (user/password, token,
/// credentials file or NKey seed file), TLS, and how long to try. Validated by <see cref="Validate"/>, which names the
/// bad field.
/// </summary>
public sealed record NatsConnectionOptions
{
    /// <summary>One server on the default port of this machine: <c>nats://127.0.0.1:4222</c>. A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static NatsConnectionOptions Default => new();

    /// <summary>
    /// Server URLs (<c>nats://host:port</c>, or <c>tls://host:port</c> to require TLS). The client connects to one of
    /// them and fails over to the others (and to servers the cluster announces). Default <c>nats://127.0.0.1:4222</c>.
    /// </summary>
    public IReadOnlyList<string> Urls { get; init; } = ["nats://127.0.0.1:4222"];

    /// <summary>User name for user/password authentication, or null. Requires <see cref="Password"/>.</summary>
    public string? User { get; init; }

    /// <summary>Password for <see cref="User"/>.</summary>
    public string? Password { get; init; }

    /// <summary>Authentication token, or null.</summary>
    public string? Token { get; init; }

    /// <summary>A <c>.creds</c> file (JWT plus NKey seed, as <c>nsc</c> writes it), or null.</summary>
    public string? CredentialsFile { get; init; }

    /// <summary>A file holding an NKey seed (<c>SU…</c>), or null.</summary>
    public string? NKeySeedFile { get; init; }

    /// <summary>A PEM file of certificate authorities to trust for the servers' TLS certificates, or null for the system's.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>A PEM client certificate for mutual TLS, or null. Requires <see cref="TlsKeyFile"/>.</summary>
    public string? TlsCertFile { get; init; }

    /// <summary>The PEM private key of <see cref="TlsCertFile"/>.</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>Accept any server certificate. For tests against self-signed servers only; never in production.</summary>
    public bool TlsInsecureSkipVerify { get; init; }

    /// <summary>How long to try each connection attempt at start. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a request (stream info, KV read or write, lease listing, publish acknowledgement) may take. Default 10
    /// seconds; <see cref="WithLiveness"/> sets <c>min(10 s, session TTL / 3)</c>.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the client pings the server it is connected to. A connection with <see cref="MaxPingsOut"/> pings
    /// unanswered is dead: the client drops it and connects to another server, so a silently cut link is noticed within
    /// <c>PingInterval × (MaxPingsOut + 1)</c>. Default 5 s (<see cref="WithLiveness"/> for the default 30 s session TTL).
    /// </summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pings left unanswered before the connection counts as dead (at least 1). Default 2.</summary>
    public int MaxPingsOut { get; init; } = 2;

    /// <summary>
    /// The first wait before reconnecting after a connection is lost; each failed attempt doubles it up to
    /// <see cref="ReconnectWaitMax"/>. The client reconnects for as long as the process runs, trying the servers in random
    /// order. Default 1.5 s.
    /// </summary>
    public TimeSpan ReconnectWait { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The longest wait between reconnect attempts (at least <see cref="ReconnectWait"/>). Default 5 s.</summary>
    public TimeSpan ReconnectWaitMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Up to this much random time is added to each reconnect wait, so members do not reconnect in step. Default 750 ms.</summary>
    public TimeSpan ReconnectJitter { get; init; } = TimeSpan.FromMilliseconds(750);

    /// <summary>The connection's name as the server shows it (<c>nats-server</c> monitoring). Default <c>shoal</c>.</summary>
    public string Name { get; init; } = "shoal";

    /// <summary>
    /// A copy whose liveness settings derive from a cluster member's heartbeat and session TTL, so a dead connection is
    /// noticed, and the member is on another reachable server, well within one session TTL (docs/nats.md, Liveness):
    /// <list type="bullet">
    /// <item><see cref="PingInterval"/> = <c>min(2 min, TTL / 6)</c> and <see cref="MaxPingsOut"/> = 2: a dead connection is dropped within half the TTL;</item>
    /// <item><see cref="RequestTimeout"/> = <c>min(10 s, TTL / 3)</c>: a request to an unreachable server fails in time to be retried elsewhere before the TTL;</item>
    /// <item><see cref="ReconnectWait"/> = <c>min(2 s, heartbeat / 2)</c>, <see cref="ReconnectWaitMax"/> = <c>min(5 s, TTL / 2)</c> (at least the wait),
    /// <see cref="ReconnectJitter"/> = half the wait.</item>
    /// </list>
    /// The defaults of this record are this derivation for <c>ClusterOptions</c>' defaults (3 s heartbeat, 30 s TTL).
    /// </summary>
    /// <param name="heartbeatInterval">How often the member heartbeats (<c>ClusterOptions.HeartbeatInterval</c>).</param>
    /// <param name="sessionTtl">How long a silent member stays alive (<c>ClusterOptions.SessionTtl</c>).</param>
    public NatsConnectionOptions WithLiveness(TimeSpan heartbeatInterval, TimeSpan sessionTtl)
    {
        OptionChecks.Positive("heartbeatInterval", heartbeatInterval);
        OptionChecks.Positive("sessionTtl", sessionTtl);
        var reconnectWait = Min(TimeSpan.FromSeconds(2), heartbeatInterval / 2);
        return this with
        {
            PingInterval = Min(TimeSpan.FromMinutes(2), TimeSpan.FromTicks(sessionTtl.Ticks / 6)),
            MaxPingsOut = 2,
            RequestTimeout = Min(TimeSpan.FromSeconds(10), TimeSpan.FromTicks(sessionTtl.Ticks / 3)),
            ReconnectWait = reconnectWait,
            ReconnectWaitMax = Max(reconnectWait, Min(TimeSpan.FromSeconds(5), sessionTtl / 2)),
            ReconnectJitter = reconnectWait / 2,
        };
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>The URLs as one string for messages, passwords and tokens removed.</summary>
    public string Describe() => string.Join(",", Urls ?? []);

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (Urls is null || Urls.Count == 0)
        {
            throw new ShoalConfigurationException("NatsConnectionOptions.Urls", "must name at least one server, e.g. nats://127.0.0.1:4222.");
        }

        foreach (var url in Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("nats" or "tls")
                || string.IsNullOrEmpty(uri.Host)
                || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new ShoalConfigurationException("NatsConnectionOptions.Urls",
                    $"'{url}' is not a server URL; write nats://host:port or tls://host:port (credentials go in User/Password or Token).");
            }
        }

        if ((User is null) != (Password is null))
        {
            throw new ShoalConfigurationException(User is null ? "NatsConnectionOptions.User" : "NatsConnectionOptions.Password",
                "user and password go together; set both or neither.");
        }

        var kinds = (User is not null ? 1 : 0) + (Token is not null ? 1 : 0) + (CredentialsFile is not null ? 1 : 0) + (NKeySeedFile is not null ? 1 : 0);
        if (kinds > 1)
        {
            throw new ShoalConfigurationException("NatsConnectionOptions",
                "give at most one kind of credentials: User/Password, Token, CredentialsFile or NKeySeedFile.");
        }

        RequireFile("NatsConnectionOptions.CredentialsFile", CredentialsFile);
        RequireFile("NatsConnectionOptions.NKeySeedFile", NKeySeedFile);
        RequireFile("NatsConnectionOptions.TlsCaFile", TlsCaFile);
        RequireFile("NatsConnectionOptions.TlsCertFile", TlsCertFile);
        RequireFile("NatsConnectionOptions.TlsKeyFile", TlsKeyFile);
        if ((TlsCertFile is null) != (TlsKeyFile is null))
        {
            throw new ShoalConfigurationException(TlsCertFile is null ? "NatsConnectionOptions.TlsCertFile" : "NatsConnectionOptions.TlsKeyFile",
                "a client certificate needs its key; set both or neither.");
        }

        OptionChecks.Positive("NatsConnectionOptions.ConnectTimeout", ConnectTimeout);
        OptionChecks.Positive("NatsConnectionOptions.RequestTimeout", RequestTimeout);
        OptionChecks.Positive("NatsConnectionOptions.PingInterval", PingInterval);
        OptionChecks.Range("NatsConnectionOptions.MaxPingsOut", MaxPingsOut, 1, 1000);
        OptionChecks.Positive("NatsConnectionOptions.ReconnectWait", ReconnectWait);
        if (ReconnectWaitMax < ReconnectWait)
        {
            throw new ShoalConfigurationException("NatsConnectionOptions.ReconnectWaitMax", $"must be at least ReconnectWait ({ReconnectWait}); was {ReconnectWaitMax}.");
        }

        if (ReconnectJitter < TimeSpan.Zero)
        {
            throw new ShoalConfigurationException("NatsConnectionOptions.ReconnectJitter", $"must not be negative; was {ReconnectJitter}.");
        }
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ShoalConfigurationException("NatsConnectionOptions.Name", "must not be empty.");
        }
    }

    private static void RequireFile(string field, string? path)
    {
        if (path is not null && !File.Exists(path))
        {
            throw new ShoalConfigurationException(field, $"file '{path}' does not exist.");
        }
    }
}
