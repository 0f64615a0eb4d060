using System.Text;
using NATS.Client.Core;

namespace Shoal.Engines.Nats;

/// <summary>Turns Shoal's validated options into the NATS client's.</summary>
internal static class NatsClientOptions
{
    public static NatsOpts Create(NatsEngineOptions options)
    {
        var connection = options.Connection;
        var auth = NatsAuthOpts.Default;
        if (connection.User is not null)
        {
            auth = auth with { Username = connection.User, Password = connection.Password };
        }
        else if (connection.Token is not null)
        {
            auth = auth with { Token = connection.Token };
        }
        else if (connection.CredentialsFile is not null)
        {
            auth = auth with { CredsFile = connection.CredentialsFile };
        }
        else if (connection.NKeySeedFile is not null)
        {
            auth = auth with { NKeyFile = connection.NKeySeedFile };
        }

        var tls = NatsTlsOpts.Default;
        if (connection.TlsCaFile is not null || connection.TlsCertFile is not null || connection.TlsInsecureSkipVerify
            || connection.Urls.Any(u => u.StartsWith("tls://", StringComparison.OrdinalIgnoreCase)))
        {
            tls = tls with
            {
                Mode = TlsMode.Require,
                CaFile = connection.TlsCaFile,
                CertFile = connection.TlsCertFile,
                KeyFile = connection.TlsKeyFile,
                InsecureSkipVerify = connection.TlsInsecureSkipVerify,
            };
        }

        return NatsOpts.Default with
        {
            Url = string.Join(",", connection.Urls),
            Name = connection.Name,
            AuthOpts = auth,
            TlsOpts = tls,
            ConnectTimeout = connection.ConnectTimeout,
            RequestTimeout = connection.RequestTimeout,
            CommandTimeout = connection.RequestTimeout,
            LoggerFactory = options.LoggerFactory,
            // Keys and application header values are UTF-8 (docs/wire-format.md).
            HeaderEncoding = Encoding.UTF8,
            SubjectEncoding = Encoding.UTF8,
            // Liveness (docs/nats.md): a silently dead connection is dropped after MaxPingOut unanswered pings and the
            // client moves to another server, in random order, so a member cut from its server reaches another in time.
            PingInterval = connection.PingInterval,
            MaxPingOut = connection.MaxPingsOut,
            ReconnectWaitMin = connection.ReconnectWait,
            ReconnectWaitMax = connection.ReconnectWaitMax,
            ReconnectJitter = connection.ReconnectJitter,
            NoRandomize = false,
            // Reconnect for as long as the process runs; acknowledged events are on the servers, not in the client.
            MaxReconnectRetry = -1,
            // Auth errors stop the reconnect loop at once instead of retrying a password that will never work.
            IgnoreAuthErrorAbort = false,
        };
    }
}
