using System.Text;

namespace Shoal.Engines.Nats;

/// <summary>JetStream API error codes Shoal reacts to, and how a NATS failure is told to a person.</summary>
internal static class NatsErrors
{
    public const int StreamNotFound = 10059;
    public const int StreamNameInUse = 10058;
    public const int ReplicasNotSupported = 10074;
    public const int InsufficientResources = 10023;

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
