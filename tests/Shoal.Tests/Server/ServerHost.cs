using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Engine;
using Shoal.Server;
using Shoal.Tests.Runtime;

namespace Shoal.Tests.Server;

/// <summary>A real <see cref="ShoalServer"/> (Kestrel on a free loopback port) over an engine, and an HTTP client for it.</summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly bool _ownsEngine;

    private ServerHost(IShoalEngine engine, ShoalServer server, bool ownsEngine)
    {
        Engine = engine;
        Server = server;
        _ownsEngine = ownsEngine;
        BaseAddress = server.Urls[0];
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public IShoalEngine Engine { get; }

    public ShoalServer Server { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public static async Task<ServerHost> StartAsync(
        IShoalEngine? engine = null,
        Func<ShoalServerOptions, ShoalServerOptions>? options = null,
        IConfiguration? configuration = null,
        Action<IServiceCollection>? services = null)
    {
        var owns = engine is null;
        engine ??= Runtimes.Engine();
        var settings = ShoalServerOptions.Default with { Urls = ["http://127.0.0.1:0"], StatusInterval = TimeSpan.FromMilliseconds(200) };
        var server = ShoalServer.Create(engine, options?.Invoke(settings) ?? settings, configuration, services);
        await server.StartAsync();
        return new ServerHost(engine, server, owns);
    }

    public async Task CreateTopicAsync(string topic, int partitions)
    {
        using var response = await Client.PutAsync($"/v1/topics/{topic}", Json($"{{\"partitions\":{partitions}}}"));
        response.EnsureSuccessStatusCode();
    }

    public Task<HttpResponseMessage> PostEventsAsync(string topic, string body, string? key = null) =>
        SendAsync(HttpMethod.Post, $"/v1/topics/{topic}/events", body, key);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string? key = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = Json(body);
        }

        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await Client.SendAsync(request);
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The response body as JSON (throws on a non-JSON body, which is itself a failure in these tests).</summary>
    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts a problem-details response with <paramref name="status"/> naming <paramref name="field"/>.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status, string? field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Xunit.Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Xunit.Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        var problem = document.RootElement.Clone();
        Xunit.Assert.Equal(status, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Xunit.Assert.True(problem.TryGetProperty("field", out var named), $"no 'field' in {text}");
            Xunit.Assert.Equal(field, named.GetString());
        }

        return problem;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        if (_ownsEngine)
        {
            await Engine.DisposeAsync();
        }
    }
}
