using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Shoal.Engines.Nats;

/// <summary>
/// JetStream API error codes Shoal reacts to, how a NATS failure is told to a person, and whether it is transient
/// (<see cref="EngineException.IsTransient"/>): every NATS failure becomes an <see cref="EngineException"/> through
/// <see cref="Failure"/>, so the classification lives here alone.
/// </summary>
internal static class NatsErrors
{
    public const int StreamNotFound = 10059;
    public const int StreamNameInUse = 10058;
    public const int ReplicasNotSupported = 10074;
    public const int InsufficientResources = 10023;

    /// <summary>"JetStream not enabled for account" (the server has JetStream, the account does not).</summary>
    public const int NotEnabledForAccount = 10039;

    /// <summary>"JetStream not enabled" (the server answered, without JetStream).</summary>
    public const int NotEnabled = 10076;

    /// <summary>"no message found" (a stream message get found nothing at or after the sequence asked for).</summary>
    public const int NoMessageFound = 10037;

    /// <summary>An <see cref="EngineException"/> with <paramref name="message"/>, transient when <paramref name="cause"/> is (<see cref="IsTransient(Exception)"/>).</summary>
    public static EngineException Failure(string message, Exception? cause) =>
        new(message, cause, isTransient: cause is not null && IsTransient(cause));

    /// <summary>
    /// True when the failure is expected to pass by itself and the same call may succeed later: no answer in time (a
    /// request or publish timeout, "No API response"), no responders (a server starting, JetStream's meta leader or a
    /// stream's leader being elected), a connection being re-established, a JetStream API error with status 408, 500 or
    /// 503 (e.g. 10008 "JetStream system temporarily unavailable", a stream offline). False for what retrying cannot fix:
    /// refused credentials and permissions, JetStream disabled (<see cref="NotEnabled"/>, <see cref="NotEnabledForAccount"/>),
    /// other JetStream API errors (a bad request, a configuration conflict), payloads over the server's limit, malformed
    /// messages — and for anything that is not a NATS failure.
    /// </summary>
    public static bool IsTransient(Exception e)
    {
        // The whole chain counts: a wrapper (a subscription's or KV's exception) may carry a permanent cause.
        var transient = false;
        for (var current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case NatsJSApiException api when !IsTransient(api.Error):
                case NatsServerException or NatsPayloadTooLargeException or NatsProtocolViolationException or NatsDeserializeException or NatsHeaderParseException:
                    return false;
                case NatsException or TimeoutException:
                    transient = true;
                    break;
            }
        }

        return transient;
    }

    /// <summary>Whether a JetStream API error (or a publish acknowledgement's error) is worth retrying; see <see cref="IsTransient(Exception)"/>.</summary>
    public static bool IsTransient(ApiError error) => IsTransient(error.Code, error.ErrCode);

    /// <inheritdoc cref="IsTransient(ApiError)"/>
    public static bool IsTransient(long code, long errCode) =>
        errCode is not (NotEnabled or NotEnabledForAccount) && code is 408 or 500 or 503;

    /// <summary>
    /// <see cref="Describe"/> for a failed connect, without NATS.Net's "can not connect uris: …", which only repeats the
    /// servers the caller's message names already.
    /// </summary>
    public static string DescribeConnectFailure(Exception e)
    {
        const string Repeat = "can not connect uris:";
        var described = Describe(e);
        if (!described.StartsWith(Repeat, StringComparison.OrdinalIgnoreCase))
        {
            return described;
        }

        // Keep what the causes said after the repeated list ("…: Connection refused"), if anything.
        var rest = described.IndexOf(": ", Repeat.Length, StringComparison.Ordinal);
        return "no server accepted a connection" + (rest < 0 ? string.Empty : described[rest..]);
    }

    /// <summary>The messages of the exception and its causes, joined (the outer one alone often says only "can not connect").</summary>
    public static string Describe(Exception e)
    {
        var text = new StringBuilder();
        for (var current = e; current is not null; current = current.InnerException)
        {
            var message = current.Message.Trim();
            if (message.Length == 0 || text.ToString().Contains(message, StringComparison.Ordinal))
            {
                continue;
            }

            if (text.Length > 0)
            {
                text.Append(": ");
            }

            text.Append(message);
        }

        return text.Length > 0 ? text.ToString() : e.GetType().Name;
    }
}
