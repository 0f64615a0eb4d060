using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Engine;
using Shoal.Hosting;
using Shoal.Server;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

/// <summary>
/// Shoal mounted with AddShoalServer and MapShoal("/shoal") in an ASP.NET Core application of the test's own (Kestrel
/// on a free loopback port), beside the application's own endpoints and authentication.
/// </summary>
public sealed class MountedServerTests
{
    private const string Key = "mounted-test-key-0123456789";

    [Fact]
    public async Task Under_a_prefix_with_the_applications_own_policy_ingest_status_health_metrics_and_the_page_work()
    {
        await using var app = await StartAsync(services =>
        {
            services.AddAuthentication(HeaderAuthentication.Name).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.Name, null);
            services.AddAuthorizationBuilder().AddPolicy("shoal-operators", p => p.RequireAuthenticatedUser().RequireUserName("ops"));
            services.AddShoal(s => s.UseInProcessEngine());
            services.AddShoalServer(ShoalServerOptions.Default with { AuthorizationPolicy = "shoal-operators", StatusInterval = TimeSpan.FromMilliseconds(200) });
        });

        // Without the application's sign-in: 401 from the application's scheme; signed in but not allowed: 403.
        using (var anonymous = await app.SendAsync(HttpMethod.Post, "/shoal/v1/topics/orders/events", """{"key":"k","type":"t","data":1}"""))
        using (var anonymousRead = await app.SendAsync(HttpMethod.Get, "/shoal/v1/topics"))
        using (var anonymousStream = await app.SendAsync(HttpMethod.Get, "/shoal/v1/dashboard/stream"))
        using (var guest = await app.SendAsync(HttpMethod.Get, "/shoal/v1/topics", user: "guest"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymousRead.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymousStream.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, guest.StatusCode);
        }

        using (var created = await app.SendAsync(HttpMethod.Put, "/shoal/v1/topics/orders", """{"partitions":2}""", user: "ops"))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var ingested = await app.SendAsync(HttpMethod.Post, "/shoal/v1/topics/orders/events", """{"key":"customer-7","type":"order-placed","data":{"total":12.5},"id":"order-1"}""", user: "ops"))
        {
            Assert.Equal(HttpStatusCode.Accepted, ingested.StatusCode);
            Assert.Equal("order-1", (await ServerHost.ReadJsonAsync(ingested)).GetProperty("events")[0].GetProperty("id").GetString());
        }

        using (var status = await app.SendAsync(HttpMethod.Get, "/shoal/v1/topics/orders", user: "ops"))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            var offsets = (await ServerHost.ReadJsonAsync(status)).GetProperty("offsets");
            Assert.Equal(1, offsets.EnumerateArray().Sum(o => o.GetProperty("end").GetInt64()));
        }

        using (var ready = await app.SendAsync(HttpMethod.Get, "/shoal/health/ready"))
        using (var live = await app.SendAsync(HttpMethod.Get, "/shoal/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Healthy", (await ServerHost.ReadJsonAsync(ready)).GetProperty("checks").GetProperty("shoal-engine").GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        using (var metrics = await app.SendAsync(HttpMethod.Get, "/shoal/metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.Contains("shoal_events_published_total", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The page names its data stream under the prefix and lets the application's sign-in (cookies) carry it.
        foreach (var path in new[] { "/shoal", "/shoal/" })
        {
            using var page = await app.SendAsync(HttpMethod.Get, path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("""<meta name="shoal-stream" content="/shoal/v1/dashboard/stream">""", html, StringComparison.Ordinal);
            Assert.Contains("""<meta name="shoal-auth" content="application">""", html, StringComparison.Ordinal);
            Assert.DoesNotContain("fetch(\"/", html, StringComparison.Ordinal);
        }

        // The stream the page reads answers under the prefix with a status snapshot.
        using (var stream = await app.SendAsync(HttpMethod.Get, "/shoal/v1/dashboard/stream", user: "ops", headersOnly: true))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null && !line.StartsWith("data: ", StringComparison.Ordinal))
            {
            }

            Assert.NotNull(line);
            using var snapshot = System.Text.Json.JsonDocument.Parse(line["data: ".Length..]);
            Assert.Equal(System.Text.Json.JsonValueKind.Array, snapshot.RootElement.GetProperty("topics").ValueKind);
        }

        // The application's own routes are its own; Shoal took nothing outside its prefix.
        using (var own = await app.SendAsync(HttpMethod.Get, "/"))
        using (var notMounted = await app.SendAsync(HttpMethod.Get, "/v1/topics", user: "ops"))
        {
            Assert.Equal("the application's own page", await own.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.NotFound, notMounted.StatusCode);
        }
    }

    [Fact]
    public async Task With_api_keys_beside_the_applications_lone_scheme_each_authenticates_its_own_endpoints()
    {
        await using var engine = Runtimes.Engine();
        await using var app = await StartAsync(services =>
        {
            // One scheme and no default named: ASP.NET Core makes it the default, and Shoal's scheme must not change that.
            services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.Name, null);
            services.AddAuthorization();
            services.AddSingleton(engine);
            services.AddShoalServer(ShoalServerOptions.Default with { ApiKeys = [new ApiKey(Key, ApiScopes.All)] });
        });

        using (var me = await app.SendAsync(HttpMethod.Get, "/me", user: "alice"))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            Assert.Equal("alice", await me.Content.ReadAsStringAsync());
        }

        using (var created = await app.SendAsync(HttpMethod.Put, "/shoal/v1/topics/orders", """{"partitions":1}""", key: Key))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        const string Event = """{"key":"k","type":"t","data":1}""";
        using (var noKey = await app.SendAsync(HttpMethod.Post, "/shoal/v1/topics/orders/events", Event))
        using (var signedInWithoutKey = await app.SendAsync(HttpMethod.Post, "/shoal/v1/topics/orders/events", Event, user: "alice"))
        using (var withKey = await app.SendAsync(HttpMethod.Post, "/shoal/v1/topics/orders/events", Event, key: Key))
        {
            await ServerHost.AssertProblemAsync(noKey, 401, "Authorization");
            await ServerHost.AssertProblemAsync(signedInWithoutKey, 401, "Authorization");
            Assert.Equal(HttpStatusCode.Accepted, withKey.StatusCode);
        }

        Assert.Equal(1, (await engine.Log.GetOffsetsAsync("orders", 0)).End);

        using var page = await app.SendAsync(HttpMethod.Get, "/shoal/");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("""<meta name="shoal-stream" content="/shoal/v1/dashboard/stream">""", html, StringComparison.Ordinal);
        Assert.Contains("""<meta name="shoal-auth" content="api-key">""", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Mapping_without_the_services_and_adding_them_twice_say_what_to_do()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        var error = Assert.Throws<ShoalConfigurationException>(() =>
            builder.Services.AddShoalServer().AddShoalServer());
        Assert.Equal("AddShoalServer", error.Field);

        var bare = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] }).Build();
        var missing = Assert.Throws<InvalidOperationException>(() => bare.MapShoal("/shoal"));
        Assert.Contains("AddShoalServer", missing.Message, StringComparison.Ordinal);

        var both = Assert.Throws<ShoalConfigurationException>(() => new ServiceCollection().AddShoalServer(
            ShoalServerOptions.Default with { AuthorizationPolicy = "ops", ApiKeys = [new ApiKey(Key, ApiScopes.All)] }));
        Assert.Equal("ShoalServerOptions.AuthorizationPolicy", both.Field);
    }

    private static async Task<MountedApp> StartAsync(Action<IServiceCollection> services)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        services(builder.Services);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/", () => "the application's own page");
        app.MapGet("/me", (ClaimsPrincipal user) => user.Identity?.Name ?? "nobody").RequireAuthorization();
        app.MapShoal("/shoal");
        await app.StartAsync();
        return new MountedApp(app);
    }

    private sealed class MountedApp(WebApplication app) : IAsyncDisposable
    {
        private readonly HttpClient _client = new() { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };

        public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string? user = null, string? key = null, bool headersOnly = false)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = ServerHost.Json(body);
            }

            if (user is not null)
            {
                request.Headers.Add(HeaderAuthentication.Header, user);
            }

            if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            return await _client.SendAsync(request, headersOnly ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>The application's own sign-in, as simple as a test needs: the user named in <c>X-User</c>.</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "App";
        public const string Header = "X-User";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers[Header] is not [{ Length: > 0 } user])
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user)], Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Name)));
        }
    }
}
