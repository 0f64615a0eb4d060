using System.Text;

namespace Shoal.Engines.Nats;

/// <summary>
/// Shoal coordination keys ↔ NATS KV keys (docs/wire-format.md). A Shoal key is a path of <c>/</c>-separated segments of
/// <c>A–Z a–z 0–9 - _ . =</c>; a KV key is a subject of <c>.</c>-separated tokens, and KV watches filter on whole tokens.
/// So each segment becomes one token: <c>/</c> → <c>.</c>, and inside a segment <c>.</c> → <c>=2E</c>, <c>=</c> → <c>=3D</c>,
/// an empty segment → <c>=</c>. Then a prefix that ends with <c>/</c> is the token filter <c>{encoded}.&gt;</c>, which the
/// server evaluates, and the mapping is reversible. <c>shoal/offsets/orders.v1/billing/3</c> is stored as
/// <c>shoal.offsets.orders=2Ev1.billing.3</c>.
/// </summary>
internal static class CoordinationKeyCodec
{
    public static string Encode(string key)
    {
        var text = new StringBuilder(key.Length + 8);
        var segmentStart = 0;
        for (var i = 0; i <= key.Length; i++)
        {
            if (i < key.Length && key[i] != '/')
            {
                continue;
            }

            if (segmentStart > 0)
            {
                text.Append('.');
            }

            AppendSegment(text, key.AsSpan(segmentStart, i - segmentStart));
            segmentStart = i + 1;
        }

        return text.ToString();
    }

    public static string Decode(string kvKey)
    {
        var text = new StringBuilder(kvKey.Length);
        var tokens = kvKey.Split('.');
        for (var t = 0; t < tokens.Length; t++)
        {
            if (t > 0)
            {
                text.Append('/');
            }

            var token = tokens[t];
            if (token == "=")
            {
                continue;
            }

            for (var i = 0; i < token.Length; i++)
            {
                if (token[i] == '=' && i + 2 < token.Length)
                {
                    text.Append((char)Convert.ToByte(token.Substring(i + 1, 2), 16));
                    i += 2;
                }
                else
                {
                    text.Append(token[i]);
                }
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The KV watch filter covering every key under <paramref name="prefix"/>, and whether results must still be checked
    /// with <see cref="string.StartsWith(string)"/> (only when the prefix ends inside a segment).
    /// </summary>
    public static (string Filter, bool Exact) Filter(string prefix)
    {
        if (prefix.Length == 0)
        {
            return (">", true);
        }

        var lastSlash = prefix.LastIndexOf('/');
        if (lastSlash == prefix.Length - 1)
        {
            return (Encode(prefix[..^1]) + ".>", true);
        }

        // The prefix ends inside a segment: filter on the complete segments before it, then by text.
        return lastSlash < 0 ? (">", false) : (Encode(prefix[..lastSlash]) + ".>", false);
    }

    private static void AppendSegment(StringBuilder text, ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            text.Append('=');
            return;
        }

        foreach (var c in segment)
        {
            switch (c)
            {
                case '.':
                    text.Append("=2E");
                    break;
                case '=':
                    text.Append("=3D");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }
}
