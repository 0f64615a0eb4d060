using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Shoal.Server.Status;

namespace Shoal.Server.Dashboard;

/// <summary>The dashboard page (embedded in the assembly) and its server-sent event stream of status snapshots.</summary>
internal static class DashboardEndpoints
{
    private const string StreamPlaceholder = "{{stream}}";
    private const string AuthPlaceholder = "{{auth}}";

    /// <summary>The stream's path below the path Shoal is mounted at.</summary>
    public const string StreamPath = "/v1/dashboard/stream";

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("Shoal.Server.Dashboard.index.html")
            ?? throw new InvalidOperationException("The dashboard page is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    /// <summary>
    /// The page, naming its stream under the path it was requested at (<c>/shoal</c> or <c>/shoal/</c> →
    /// <c>/shoal/v1/dashboard/stream</c>, with the application's path base in front), so it works wherever Shoal is
    /// mounted and behind <c>UsePathBase</c>.
    /// </summary>
    public static IResult PageResult(HttpContext context, ShoalServerOptions options)
    {
        var request = context.Request;
        var stream = (request.PathBase + request.Path).Value?.TrimEnd('/') + StreamPath;
        var page = Page.Value
            .Replace(StreamPlaceholder, HtmlEncoder.Default.Encode(stream), StringComparison.Ordinal)
            .Replace(AuthPlaceholder, options.AuthorizationPolicy is null ? "api-key" : "application", StringComparison.Ordinal);
        return TypedResults.Text(page, "text/html; charset=utf-8", Encoding.UTF8);
    }

    /// <summary>
    /// <c>text/event-stream</c>: the latest snapshot at once, then each new one as <c>data: {json}</c>; a comment every
    /// 15 s keeps proxies from closing an idle stream. Ends when the client goes away or the server stops.
    /// </summary>
    public static async Task StreamAsync(HttpContext context, StatusPoller poller, ShoalServerOptions options, IHostApplicationLifetime lifetime)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = linked.Token;
        if (poller.Latest is null)
        {
            await poller.RefreshAsync(aborted);
        }

        try
        {
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"retry: {(int)Math.Max(500, options.StatusInterval.TotalMilliseconds)}\n\n"), aborted);
            while (!aborted.IsCancellationRequested)
            {
                var (json, changed) = poller.Current;
                await response.Body.WriteAsync(DataPrefix, aborted);
                await response.Body.WriteAsync(json, aborted);
                await response.Body.WriteAsync(EventEnd, aborted);
                await response.Body.FlushAsync(aborted);
                while (!changed.IsCompleted)
                {
                    var waited = await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(15), options.TimeProvider, aborted));
                    if (waited != changed)
                    {
                        aborted.ThrowIfCancellationRequested();
                        await response.Body.WriteAsync(KeepAlive, aborted);
                        await response.Body.FlushAsync(aborted);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The browser closed the page, or the server is stopping.
        }
    }
}
