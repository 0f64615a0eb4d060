using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Shoal.Server.Status;

namespace Shoal.Server.Dashboard;

/// <summary>The dashboard page (embedded in the assembly) and its server-sent event stream of status snapshots.</summary>
internal static class DashboardEndpoints
{
    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("Shoal.Server.Dashboard.index.html")
            ?? throw new InvalidOperationException("The dashboard page is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    public static IResult PageResult() => TypedResults.Bytes(Page.Value, "text/html; charset=utf-8");

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
