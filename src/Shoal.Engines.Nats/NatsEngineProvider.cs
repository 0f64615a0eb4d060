using System.Globalization;
using Shoal.Engine;

namespace Shoal.Engines.Nats;

/// <summary>
/// Opens <c>nats://[user:password@]host:port[,host:port…][?option=value&amp;…]</c> for <see cref="ShoalEngines"/>,
/// which finds it by name when this package is present: a new connection (<see cref="NatsEngine.ConnectAsync"/>), the
/// caller's until disposed. Options: <c>token</c>, <c>creds</c> (credentials file), <c>nkey</c> (NKey seed file),
/// <c>replicas</c> (topics' default), <c>kv-replicas</c> (coordination bucket), <c>storage</c> (<c>file</c>|<c>memory</c>),
/// <c>tls</c> (<c>true</c> requires TLS), <c>tls-ca</c>, <c>tls-cert</c>, <c>tls-key</c>, <c>tls-insecure</c> (<c>true</c>:
/// tests only), <c>connect-timeout</c> (a duration, <see cref="Durations"/>). A password or token never appears in an
/// error: messages quote the URI with the password, the token and the value of every unknown option replaced by <c>***</c>.
/// </summary>
public sealed class NatsEngineProvider : IEngineProvider
{
    private const string Scheme = "nats";

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [Scheme];

    /// <inheritdoc />
    public IReadOnlyList<string> Usages { get; } = ["nats://[USER:PASS@]HOST:PORT[,HOST:PORT...][?OPTIONS]"];

    /// <inheritdoc />
    public bool TryValidate(string uri, out string problem) => TryParse(uri, out _, out problem);

    /// <inheritdoc />
    public async ValueTask<IShoalEngine> OpenAsync(string uri, EngineServices services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        cancellationToken.ThrowIfCancellationRequested();
        if (!TryParse(uri, out var options, out var problem))
        {
            throw new ShoalConfigurationException(ShoalEngines.UriField, problem);
        }

        return await NatsEngine.ConnectAsync(WithServices(options, services), cancellationToken);
    }

    /// <summary>The options with the caller's logger and, when it serves a cluster member, liveness derived from its session.</summary>
    internal static NatsEngineOptions WithServices(NatsEngineOptions options, EngineServices services)
    {
        var connection = services.SessionTtl is { } ttl && ttl > TimeSpan.Zero
            ? options.Connection.WithLiveness(services.HeartbeatInterval is { } beat && beat > TimeSpan.Zero ? beat : ttl / 10, ttl)
            : options.Connection;
        return options with { LoggerFactory = services.LoggerFactory, Connection = connection };
    }

    /// <summary>Parses a <c>nats://</c> URI; false with a reason quoting it (redacted) when it cannot be used.</summary>
    private static bool TryParse(string uri, out NatsEngineOptions options, out string problem)
    {
        ArgumentNullException.ThrowIfNull(uri);
        options = NatsEngineOptions.Default;
        problem = string.Empty;
        var separator = uri.IndexOf("://", StringComparison.Ordinal);
        if (separator < 0 || !uri[..separator].Equals(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            problem = $"'{Display(uri)}': {nameof(NatsEngineProvider)} opens nats:// URIs only.";
            return false;
        }

        var rest = uri[(separator + 3)..];
        var q0 = rest.IndexOf('?', StringComparison.Ordinal);
        if (q0 >= 0 && rest.IndexOf('@', q0) >= 0 && rest.LastIndexOf('@', q0) < 0)
        {
            // Either a password or token holding an unencoded '?' (nats://u:pa?ss@h) or an '@' in an option's value: the
            // first would show part of the password as a server, so neither is guessed at.
            problem = $"'{Display(uri)}': '@' after '?' is ambiguous; percent-encode ?, &, # and @ in a password or token " +
                "(%3F, %26, %23, %40) and @ in an option's value (%40).";
            return false;
        }

        var query = string.Empty;
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        string? user = null, password = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var credentials = rest[..at];
            rest = rest[(at + 1)..];
            var colon = credentials.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                problem = $"'{Display(uri)}': write credentials as user:password@ before the servers.";
                return false;
            }

            user = Uri.UnescapeDataString(credentials[..colon]);
            password = Uri.UnescapeDataString(credentials[(colon + 1)..]);
        }

        var servers = rest.Split(',', StringSplitOptions.TrimEntries);
        if (servers.Length == 0 || servers.Any(s => s.Length == 0))
        {
            problem = $"'{Display(uri)}': name at least one server, e.g. nats://127.0.0.1:4222 or nats://h1:4222,h2:4222.";
            return false;
        }

        if (servers.FirstOrDefault(s => !IsServer(s)) is { } bad)
        {
            problem = $"'{Display(uri)}': '{bad}' is not a server: write HOST:PORT (port 1 to 65535), e.g. 127.0.0.1:4222.";
            return false;
        }

        var tls = false;
        var connection = NatsConnectionOptions.Default with { User = user, Password = password };
        var engine = NatsEngineOptions.Default;
        var previous = string.Empty;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = (eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            var afterToken = previous == "token";
            previous = name;
            switch (name)
            {
                case "token":
                    connection = connection with { Token = value };
                    break;
                case "creds" or "nkey" when LooksLikeSecret(value):
                    // The file's content given in place of its path: the message must not quote it.
                    problem = $"'{Display(uri)}': {name} takes the path of a {(name == "creds" ? "credentials (.creds)" : "NKey seed")} file, " +
                        "and its value looks like the secret itself; put the secret in a file only you can read (chmod 600) and give its path.";
                    return false;
                case "creds":
                    connection = connection with { CredentialsFile = value };
                    break;
                case "nkey":
                    connection = connection with { NKeySeedFile = value };
                    break;
                case "tls" or "tls-insecure":
                    if (!TryParseFlag(value, out var flag))
                    {
                        problem = $"'{Display(uri)}': {name} must be true or false; was '{value}'.";
                        return false;
                    }

                    if (name == "tls")
                    {
                        tls = flag;
                    }
                    else
                    {
                        connection = connection with { TlsInsecureSkipVerify = flag };
                    }

                    break;
                case "tls-ca":
                    connection = connection with { TlsCaFile = value };
                    break;
                case "tls-cert":
                    connection = connection with { TlsCertFile = value };
                    break;
                case "tls-key":
                    connection = connection with { TlsKeyFile = value };
                    break;
                case "replicas" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var replicas):
                    engine = engine with { DefaultReplicas = replicas };
                    break;
                case "kv-replicas" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kvReplicas):
                    engine = engine with { CoordinationReplicas = kvReplicas };
                    break;
                case "storage" when Enum.TryParse<NatsStorage>(value, ignoreCase: true, out var storage):
                    engine = engine with { Storage = storage };
                    break;
                case "connect-timeout":
                    if (!Durations.TryParse(value, out var timeout, out var error) || timeout <= TimeSpan.Zero)
                    {
                        problem = $"'{Display(uri)}': connect-timeout: {(error.Length > 0 ? error : $"must be more than 0; was '{value}'.")}";
                        return false;
                    }

                    connection = connection with { ConnectTimeout = timeout };
                    break;
                default:
                    // The value of an unknown option is never quoted: it may be a secret under a misspelt name (tokn=...). Nor
                    // is the name of one right after token=: it is likely the rest of a token holding an unencoded '&'.
                    var what = afterToken ? "the option after token= is unknown (a token holding '&' must write it as %26)"
                        : Known.Contains(name) ? $"option '{name}' has a value '{value}' that is not valid"
                        : $"option '{(eq < 0 ? pair : pair[..eq])}' is unknown or its value is not valid";
                    problem = $"'{Display(uri)}': {what}; " +
                        "use token, creds, nkey, replicas (1-5), kv-replicas (1-5), storage (file|memory), tls, tls-ca, tls-cert, tls-key, tls-insecure, connect-timeout (e.g. 5s).";
                    return false;
            }
        }

        connection = connection with { Urls = [.. servers.Select(s => $"{(tls ? "tls" : "nats")}://{s}")] };
        options = engine with { Connection = connection };
        try
        {
            options.Validate();
        }
        catch (ShoalConfigurationException e)
        {
            problem = $"'{Display(uri)}': {(Settings.TryGetValue(e.Field, out var setting) ? $"{setting}: {WithoutField(e)}" : e.Message)}";
            return false;
        }

        return true;
    }

    /// <summary>The options whose values are quoted when they are not valid (none of them is a secret).</summary>
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal) { "replicas", "kv-replicas", "storage" };

    /// <summary>The URI setting behind each options field the URI sets, for messages.</summary>
    private static readonly Dictionary<string, string> Settings = new(StringComparer.Ordinal)
    {
        ["NatsEngineOptions.DefaultReplicas"] = "replicas",
        ["NatsEngineOptions.CoordinationReplicas"] = "kv-replicas",
        ["NatsEngineOptions.Storage"] = "storage",
        ["NatsConnectionOptions.ConnectTimeout"] = "connect-timeout",
        ["NatsConnectionOptions.CredentialsFile"] = "creds",
        ["NatsConnectionOptions.NKeySeedFile"] = "nkey",
        ["NatsConnectionOptions.TlsCaFile"] = "tls-ca",
        ["NatsConnectionOptions.TlsCertFile"] = "tls-cert",
        ["NatsConnectionOptions.TlsKeyFile"] = "tls-key",
        ["NatsConnectionOptions.User"] = "user",
        ["NatsConnectionOptions.Password"] = "password",
        ["NatsConnectionOptions.Urls"] = "servers",
    };

    /// <summary><c>HOST[:PORT]</c> with a port from 1 to 65535 (an IPv6 host in brackets; no port: NATS's 4222).</summary>
    private static bool IsServer(string server) =>
        Uri.TryCreate($"nats://{server}", UriKind.Absolute, out var parsed) && parsed.Host.Length > 0 && parsed.AbsolutePath == "/"
        && parsed.UserInfo.Length == 0 && parsed.Query.Length == 0 && parsed.Port is -1 or (> 0 and <= 65535) && !server.EndsWith(':');

    /// <summary>A flag's value: empty (the flag alone), true/false, yes/no or 1/0.</summary>
    private static bool TryParseFlag(string value, out bool flag)
    {
        flag = value.Length == 0 || value.ToLowerInvariant() is "1" or "true" or "yes";
        return flag || value.ToLowerInvariant() is "0" or "false" or "no";
    }

    /// <summary>
    /// <paramref name="uri"/> as a message may quote it: <see cref="ShoalEngines.Redact"/>, and the value of every option
    /// not in <see cref="Shown"/> replaced by <c>***</c> (an unknown option may be a misspelt <c>token</c>); an option right
    /// after <c>token=</c> that is not in <see cref="Shown"/> is hidden whole (it may be the rest of a token holding '&amp;').
    /// </summary>
    private static string Display(string uri)
    {
        var text = ShoalEngines.Redact(uri);
        var q = text.IndexOf('?', StringComparison.Ordinal);
        if (q < 0)
        {
            return text;
        }

        var pairs = text[(q + 1)..].Split('&');
        for (var i = 0; i < pairs.Length; i++)
        {
            var eq = pairs[i].IndexOf('=', StringComparison.Ordinal);
            var name = (eq < 0 ? pairs[i] : pairs[i][..eq]).ToLowerInvariant();
            var shown = Shown.Contains(name) && !(eq >= 0 && LooksLikeSecret(Uri.UnescapeDataString(pairs[i][(eq + 1)..])));
            if (shown || name == "token")
            {
                continue; // Redact hid the token's value
            }

            var afterToken = i > 0 && pairs[i - 1].StartsWith("token=", StringComparison.OrdinalIgnoreCase);
            pairs[i] = afterToken ? "***" : eq < 0 ? pairs[i] : pairs[i][..(eq + 1)] + "***";
        }

        return text[..(q + 1)] + string.Join('&', pairs);
    }

    /// <summary>The options whose values a message may quote: none of them is a secret.</summary>
    private static readonly HashSet<string> Shown = new(StringComparer.Ordinal)
    {
        "replicas", "kv-replicas", "storage", "tls", "tls-insecure", "tls-ca", "tls-cert", "tls-key", "creds", "connect-timeout",
    };

    /// <summary>
    /// Whether a <c>creds</c> or <c>nkey</c> value is a secret rather than a path: an NKey seed (<c>S</c>, a type letter and
    /// 56 base32 characters), a JWT (<c>eyJ…</c>) or a PEM-style block.
    /// </summary>
    private static bool LooksLikeSecret(string value) =>
        (value.Length == 58 && value[0] == 'S' && value.All(c => char.IsAsciiLetterUpper(c) || c is >= '2' and <= '7'))
        || value.StartsWith("eyJ", StringComparison.Ordinal) || value.Contains("-----BEGIN", StringComparison.Ordinal);

    /// <summary>The message of an options error without its leading <c>field: </c> (the URI setting's name goes there).</summary>
    private static string WithoutField(ShoalConfigurationException error) =>
        error.Message.StartsWith(error.Field + ": ", StringComparison.Ordinal) ? error.Message[(error.Field.Length + 2)..] : error.Message;
}
