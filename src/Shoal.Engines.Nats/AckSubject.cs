using System.Globalization;

namespace Shoal.Engines.Nats;

/// <summary>
/// Reads the stream and consumer sequences and the time the server stored the message from a JetStream message's reply (ack) subject without allocating:
/// <c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;stream seq&gt;.&lt;consumer seq&gt;.&lt;time&gt;.&lt;pending&gt;</c>
/// (9 tokens), or the newer form with domain and account hash after <c>ACK</c> (11 or more tokens). The client's own
/// <c>Metadata</c> parses the same subject into an object per message; this is the hot path's cheaper twin.
/// </summary>
internal static class AckSubject
{
    public static bool TryParse(string? replyTo, out ulong streamSequence, out ulong consumerSequence, out DateTimeOffset stored)
    {
        streamSequence = 0;
        consumerSequence = 0;
        stored = default;
        if (replyTo is null || !replyTo.StartsWith("$JS.ACK.", StringComparison.Ordinal))
        {
            return false;
        }

        var text = replyTo.AsSpan();
        Span<Range> tokens = stackalloc Range[14];
        var count = text.Split(tokens, '.');
        var stream = count switch
        {
            9 => 2,
            >= 11 and <= 13 => 4,
            _ => -1,
        };
        if (stream < 0
            || !ulong.TryParse(text[tokens[stream + 3]], NumberStyles.None, CultureInfo.InvariantCulture, out streamSequence)
            || !ulong.TryParse(text[tokens[stream + 4]], NumberStyles.None, CultureInfo.InvariantCulture, out consumerSequence)
            || !long.TryParse(text[tokens[stream + 5]], NumberStyles.None, CultureInfo.InvariantCulture, out var nanoseconds))
        {
            return false;
        }

        stored = DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
        return true;
    }
}
