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
/// error: messages quote the URI through <see cref="ShoalEngines.Redact"/>.
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

        return await NatsEngine.ConnectAsync(options with { LoggerFactory = services.LoggerFactory }, cancellationToken);
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
            problem = $"'{Redact(uri)}': {nameof(NatsEngineProvider)} opens nats:// URIs only.";
            return false;
        }

        var rest = uri[(separator + 3)..];
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
                problem = $"'{Redact(uri)}': write credentials as user:password@ before the servers.";
                return false;
            }

            user = Uri.UnescapeDataString(credentials[..colon]);
            password = Uri.UnescapeDataString(credentials[(colon + 1)..]);
        }

        var servers = rest.Split(',', StringSplitOptions.TrimEntries);
        if (servers.Length == 0 || servers.Any(s => s.Length == 0))
        {
            problem = $"'{Redact(uri)}': name at least one server, e.g. nats://127.0.0.1:4222 or nats://h1:4222,h2:4222.";
            return false;
        }

        if (servers.FirstOrDefault(s => !IsServer(s)) is { } bad)
        {
            problem = $"'{Redact(uri)}': '{bad}' is not a server: write HOST:PORT (port 1 to 65535), e.g. 127.0.0.1:4222.";
            return false;
        }

        var tls = false;
        var connection = NatsConnectionOptions.Default with { User = user, Password = password };
        var engine = NatsEngineOptions.Default;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = (eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            switch (name)
            {
                case "token":
                    connection = connection with { Token = value };
                    break;
                case "creds":
                    connection = connection with { CredentialsFile = value };
                    break;
                case "nkey":
                    connection = connection with { NKeySeedFile = value };
                    break;
                case "tls" or "tls-insecure":
                    if (!TryParseFlag(value, out var flag))
                    {
                        problem = $"'{Redact(uri)}': {name} must be true or false; was '{value}'.";
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
                        problem = $"'{Redact(uri)}': connect-timeout: {(error.Length > 0 ? error : $"must be more than 0; was '{value}'.")}";
                        return false;
                    }

                    connection = connection with { ConnectTimeout = timeout };
                    break;
                default:
                    // The value of an unknown option is not quoted: it may be a secret under a misspelt name (tokn=...).
                    var shown = Known.Contains(name) || eq < 0 ? Redact(uri) : Redact(uri).Replace(pair, pair[..(eq + 1)] + "***", StringComparison.Ordinal);
                    problem = $"'{shown}': option '{pair.Split('=')[0]}' is unknown or its value{(Known.Contains(name) ? $" '{value}'" : string.Empty)} is not valid; " +
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
            problem = $"'{Redact(uri)}': {(Settings.TryGetValue(e.Field, out var setting) ? $"{setting}: {WithoutField(e)}" : e.Message)}";
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

    private static string Redact(string uri) => ShoalEngines.Redact(uri);

    /// <summary>The message of an options error without its leading <c>field: </c> (the URI setting's name goes there).</summary>
    private static string WithoutField(ShoalConfigurationException error) =>
        error.Message.StartsWith(error.Field + ": ", StringComparison.Ordinal) ? error.Message[(error.Field.Length + 2)..] : error.Message;
}
