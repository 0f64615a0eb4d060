using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Shoal.Engines.Nats;
using Shoal.Scenarios.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>Which NATS failures the engine reports as transient (<see cref="EngineException.IsTransient"/>), which it does not.</summary>
public sealed class NatsErrorsTests
{
    public static TheoryData<Exception, bool> Failures => new()
    {
        { new NatsJSApiNoResponseException(), true },
        { new NatsNoRespondersException(), true },
        { new NatsNoReplyException(), true },
        { new TimeoutException(), true },
        { new NatsJSApiException(new ApiError { Code = 503, ErrCode = 10008, Description = "JetStream system temporarily unavailable" }), true },
        { new NatsJSApiException(new ApiError { Code = 500, ErrCode = 10118, Description = "stream is offline" }), true },
        { new NatsJSApiException(new ApiError { Code = 503, ErrCode = NatsErrors.NotEnabled, Description = "JetStream not enabled" }), false },
        { new NatsJSApiException(new ApiError { Code = 503, ErrCode = NatsErrors.NotEnabledForAccount, Description = "JetStream not enabled for account" }), false },
        { new NatsJSApiException(new ApiError { Code = 400, ErrCode = NatsErrors.StreamNameInUse, Description = "stream name already in use" }), false },
        { new NatsServerException("Permissions Violation for Publish to \"x\""), false },
        { new InvalidOperationException("a bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_is_transient_only_when_waiting_may_fix_it(Exception failure, bool transient)
    {
        Assert.Equal(transient, NatsErrors.IsTransient(failure));
        Assert.Equal(transient, NatsErrors.Failure("NATS: something failed", failure).IsTransient);
    }

    [Fact]
    public void The_whole_chain_of_causes_counts_and_a_permanent_cause_wins()
    {
        Assert.True(NatsErrors.IsTransient(new InvalidOperationException("outer", new NatsJSApiNoResponseException())));
        Assert.False(NatsErrors.IsTransient(new NatsException("outer", new NatsServerException("Authorization Violation"))));
    }

    /// <summary>Only a server that answered without JetStream is said not to offer it; that is not transient.</summary>
    [Trait("Category", "Integration")]
    [Fact]
    public async Task A_server_without_jetstream_is_said_not_to_offer_it_and_that_is_not_transient()
    {
        var binary = LocalNatsCluster.FindServer();
        Assert.NotNull(binary);
        var port = LocalNatsCluster.FreePorts(1)[0];
        using var server = Process.Start(new ProcessStartInfo(binary, ["-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            EngineException? error = null;
            for (var attempt = 0; attempt < 50 && error?.Message.Contains("Cannot connect", StringComparison.Ordinal) is not false; attempt++)
            {
                // Until the server listens, the connection is refused.
                error = await Assert.ThrowsAsync<EngineException>(async () => await NatsEngine.ConnectAsync(new NatsEngineOptions
                {
                    Connection = new NatsConnectionOptions { Urls = [$"nats://127.0.0.1:{port}"], ConnectTimeout = TimeSpan.FromSeconds(2) },
                }));
                await Task.Delay(100);
            }

            Assert.Contains("does not offer JetStream", error!.Message, StringComparison.Ordinal);
            Assert.False(error.IsTransient);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }
}
