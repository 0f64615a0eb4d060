using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Shoal.Server;

/// <summary>
/// The media types a request body is accepted in: <c>application/json</c> and any <c>application/*+json</c>, with no
/// charset or <c>charset=utf-8</c>. Anything else, or no <c>Content-Type</c> at all, is a 415 before the body is read,
/// so an HTML form (<c>application/x-www-form-urlencoded</c>, <c>multipart/form-data</c>, <c>text/plain</c>: what a
/// browser may send across origins without asking first) cannot post to the API.
/// </summary>
internal static class JsonBody
{
    public const string Accepted = "application/json or application/*+json (charset utf-8 when given)";

    /// <summary>Null when the request's <c>Content-Type</c> is accepted, else the 415 answer naming the header.</summary>
    public static IResult? Refuse(HttpRequest request)
    {
        var header = request.ContentType;
        if (IsAccepted(header))
        {
            return null;
        }

        var was = string.IsNullOrEmpty(header) ? "there was none" : $"was '{header}'";
        return Problems.Result(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"'Content-Type' must be {Accepted}; {was}.", "Content-Type");
    }

    internal static bool IsAccepted(string? header)
    {
        if (string.IsNullOrEmpty(header) || !MediaTypeHeaderValue.TryParse(header, out var media))
        {
            return false;
        }

        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return media.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
            && (media.SubType.Equals("json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
    }
}
