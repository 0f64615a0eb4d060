using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

public sealed class ApiKeyTests
{
    private const string Fifteen = "abcdefghij12345";
    private const string Sixteen = "abcdefghij123456";
    private const string Other = "0123456789abcdef0123";

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    public static TheoryData<string, string, string> RefusedSettings => new()
    {
        { "Shoal:ApiKeys:0", Fifteen, "Shoal:ApiKeys:0" },
        { "Shoal:ApiKeys:0", Fifteen + ":read", "Shoal:ApiKeys:0" },
        { "Shoal:ApiKeys:3:Key", Fifteen, "Shoal:ApiKeys:3:Key" },
    };

    [Theory]
    [MemberData(nameof(RefusedSettings))]
    public void A_key_of_15_characters_is_refused_naming_the_setting_as_written_and_how_to_make_one(string setting, string value, string field)
    {
        var error = Assert.Throws<ShoalConfigurationException>(() => ShoalServer.Create(Runtimes.Engine(), ShoalServerOptions.Default, Configuration((setting, value))));

        Assert.Equal(field, error.Field);
        Assert.StartsWith(field + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains("at least 16 characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("openssl rand -hex 32", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Fifteen, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_of_15_characters_is_refused_on_the_command_line_too()
    {
        var error = Assert.Throws<ShoalConfigurationException>(() => ApiKey.Parse(Fifteen + ":produce"));

        Assert.Equal("--api-key", error.Field);
        Assert.Contains("at least 16 characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_of_16_characters_are_accepted_as_strings_and_as_objects()
    {
        await using var host = await ServerHost.StartAsync(configuration: Configuration(
            ("Shoal:ApiKeys:0", Sixteen + ":read"),
            ("Shoal:ApiKeys:1:Key", Other),
            ("Shoal:ApiKeys:1:Scopes", "produce")));

        using var read = await host.SendAsync(HttpMethod.Get, "/v1/topics", key: Sixteen);
        using var notRead = await host.SendAsync(HttpMethod.Get, "/v1/topics", key: Other);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, notRead.StatusCode);
    }

    public static TheoryData<string, string, string, string> BadObjects => new()
    {
        { "Shoal:ApiKeys:0:Kye", Sixteen, "Shoal:ApiKeys:0:Kye", "Key" },
        { "Shoal:ApiKeys:0:Name", "has space", "Shoal:ApiKeys:0:Name", "letters, digits" },
        { "Shoal:ApiKeys:0:Scopes", "write", "Shoal:ApiKeys:0:Scopes", "unknown scope 'write'" },
        { "Shoal:ApiKeys:1:Name", "ops", "Shoal:ApiKeys:1:Name", "another API key is named 'ops'" },
    };

    [Theory]
    [MemberData(nameof(BadObjects))]
    public void A_bad_key_object_is_refused_naming_the_setting(string setting, string value, string field, string reason)
    {
        var settings = new List<(string, string)> { ("Shoal:ApiKeys:0:Key", Sixteen), ("Shoal:ApiKeys:0:Name", "ops"), ("Shoal:ApiKeys:1:Key", Other) };
        settings.RemoveAll(s => s.Item1 == setting);
        settings.Add((setting, value));

        var error = Assert.Throws<ShoalConfigurationException>(() => ShoalServer.Create(Runtimes.Engine(), ShoalServerOptions.Default, Configuration([.. settings])));

        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unnamed_key_is_named_after_its_position_never_after_a_hash_of_the_secret()
    {
        var recorder = new PrincipalRecorder();
        await using var host = await ServerHost.StartAsync(
            options: o => o with { ApiKeys = [ApiKey.Parse(Sixteen)] },
            configuration: Configuration(("Shoal:ApiKeys:0", Other)),
            services: s => s.AddSingleton<IStartupFilter>(recorder));

        foreach (var key in new[] { Sixteen, Other })
        {
            using var response = await host.SendAsync(HttpMethod.Get, "/v1/topics", key: key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, recorder.Names.Count);
        foreach (var key in new[] { Sixteen, Other })
        {
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
            Assert.DoesNotContain(recorder.Names, name => name.Contains(hash[..8], StringComparison.OrdinalIgnoreCase));
        }

        Assert.Equal(["ApiKeys[0]", "Shoal:ApiKeys:0"], recorder.Names);
    }

    [Fact]
    public async Task A_key_with_a_name_is_known_by_it_and_options_are_checked_like_the_command_line()
    {
        var recorder = new PrincipalRecorder();
        await using var host = await ServerHost.StartAsync(
            options: o => o with { ApiKeys = [new ApiKey(Sixteen, ApiScopes.Read) { Name = "dashboard" }] },
            configuration: Configuration(("Shoal:ApiKeys:0:Key", Other), ("Shoal:ApiKeys:0:Name", "ops")),
            services: s => s.AddSingleton<IStartupFilter>(recorder));

        foreach (var key in new[] { Sixteen, Other })
        {
            using var response = await host.SendAsync(HttpMethod.Get, "/v1/topics", key: key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(["dashboard", "ops"], recorder.Names);
        var error = Assert.Throws<ShoalConfigurationException>(() => (ShoalServerOptions.Default with { ApiKeys = [new ApiKey(Fifteen, ApiScopes.All)] }).Validate());
        Assert.Equal("ShoalServerOptions.ApiKeys[0]", error.Field);
    }

    /// <summary>Records the name of every caller the server authenticates, before the server's own pipeline runs.</summary>
    private sealed class PrincipalRecorder : IStartupFilter
    {
        private readonly ConcurrentQueue<string> _names = new();

        public IReadOnlyList<string> Names => [.. _names];

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                if (await context.AuthenticateAsync() is { Succeeded: true, Principal.Identity.Name: { } name })
                {
                    _names.Enqueue(name);
                }

                await following(context);
            });
            next(app);
        };
    }
}
