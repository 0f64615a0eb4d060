using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Hosting;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Hosting;

/// <summary><see cref="ShoalBuilder.UseEngine(string)"/> and the async engine factory: opened in the host's start, with its loggers and clock.</summary>
public sealed class HostedEngineTests
{
    private static readonly GroupOptions Billing = new() { Name = "billing", Topic = "orders", DrainTimeout = TimeSpan.FromSeconds(10) };

    private static Action<ShoalBuilder> Orders(Action<ShoalBuilder> engine) => shoal =>
    {
        engine(shoal);
        shoal.AddTopic("orders", partitions: 2)
            .AddEventType<OrderPlaced>("order-placed")
            .AddGroup(Billing)
            .AddHandler<OrderPlaced, SingletonHandler>("billing", ServiceLifetime.Singleton);
    };

    [Fact]
    public async Task An_engine_uri_is_opened_when_the_host_starts_and_its_groups_run_on_it()
    {
        var name = "hosted-" + Guid.NewGuid().ToString("N");
        var host = TestHosts.Build(Orders(shoal => shoal.UseEngine("inproc://" + name)));
        try
        {
            await host.StartAsync();
            await host.Services.GetRequiredService<IEventPublisher>().PublishAsync("orders", "k", new OrderPlaced("k", 0));
            var probe = host.Services.GetRequiredService<Probe>();
            await Wait.UntilAsync(() => probe.Handled.Count >= 1, "the event handled");
            Assert.Equal("inproc://", host.Services.GetRequiredService<IShoalEngine>().Name);
            await host.StopAsync();
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }

        // The host held a shared inproc://NAME engine: disposing the host left it open for its other holders.
        await using var engine = await ShoalEngines.OpenAsync("inproc://" + name);
        Assert.Equal(1, (await engine.Log.GetOffsetsAsync("orders", 0)).End + (await engine.Log.GetOffsetsAsync("orders", 1)).End);
    }

    [Fact]
    public async Task An_engine_uri_gets_the_hosts_logger_factory_and_time_provider()
    {
        var scheme = "hosted" + Guid.NewGuid().ToString("N")[..8];
        var provider = new CapturingProvider(scheme);
        ShoalEngines.Register(provider);
        var clock = new OwnClock();
        var host = TestHosts.Build(Orders(shoal => shoal.UseEngine($"{scheme}://x")), services => services.AddSingleton<TimeProvider>(clock));
        try
        {
            Assert.Null(provider.Services);
            await host.StartAsync();

            Assert.Same(clock, provider.Services!.TimeProvider);
            Assert.Same(host.Services.GetRequiredService<ILoggerFactory>(), provider.Services.LoggerFactory);
            Assert.Equal(1, provider.Opened);
            await host.StopAsync();
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }

        Assert.True(provider.Engine!.Disposed);
    }

    [Fact]
    public async Task A_bad_engine_uri_fails_the_host_start_naming_the_uri()
    {
        var host = TestHosts.Build(Orders(shoal => shoal.UseEngine("kafka://localhost:9092")));
        try
        {
            var error = await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            Assert.Equal(ShoalEngines.UriField, error.Field);
            Assert.Contains("'kafka://localhost:9092'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task An_async_factory_is_awaited_once_in_the_host_start_and_the_container_disposes_its_engine()
    {
        var calls = 0;
        DisposalProbe? opened = null;
        CancellationToken given = default;
        using var start = new CancellationTokenSource();
        var host = TestHosts.Build(
            Orders(shoal => shoal.UseEngine(async (services, cancellationToken) =>
            {
                Interlocked.Increment(ref calls);
                given = cancellationToken;
                await Task.Yield();
                return opened = new DisposalProbe(InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = services.GetRequiredService<TimeProvider>() }));
            })),
            services => services.AddSingleton(TimeProvider.System).AddHostedService<PublisherUser>());
        try
        {
            // Injected before the start (a producer's constructor), the publisher exists; the engine does not yet.
            var publisher = host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<PublisherUser>().Single().Publisher;
            Assert.Equal(0, calls);
            await Assert.ThrowsAsync<ShoalException>(async () => await publisher.PublishAsync("orders", "k", new OrderPlaced("k", 0)));

            await host.StartAsync(start.Token);
            Assert.Equal(1, calls);
            Assert.True(given.CanBeCanceled);
            await publisher.PublishAsync("orders", "k", new OrderPlaced("k", 0));
            await Wait.UntilAsync(() => host.Services.GetRequiredService<Probe>().Handled.Count >= 1, "the event handled");
            await host.StopAsync();
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }

        Assert.True(opened!.Disposed);
    }

    /// <summary>The system's time, as an instance of its own (to tell it from <see cref="TimeProvider.System"/>).</summary>
    private sealed class OwnClock : TimeProvider;

    /// <summary>An in-process engine that records its disposal.</summary>
    private sealed class DisposalProbe(IShoalEngine inner) : IShoalEngine
    {
        public bool Disposed { get; private set; }

        public string Name => inner.Name;

        public IEventLog Log => inner.Log;

        public ICoordinationStore Coordination => inner.Coordination;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return inner.DisposeAsync();
        }
    }

    /// <summary>A provider for a scheme of the test's own that records the services it was given.</summary>
    private sealed class CapturingProvider(string scheme) : IEngineProvider
    {
        public EngineServices? Services { get; private set; }

        public int Opened { get; private set; }

        public DisposalProbe? Engine { get; private set; }

        public IReadOnlyList<string> Schemes { get; } = [scheme];

        public IReadOnlyList<string> Usages { get; } = [$"{scheme}://NAME"];

        public bool TryValidate(string uri, out string problem)
        {
            problem = string.Empty;
            return true;
        }

        public ValueTask<IShoalEngine> OpenAsync(string uri, EngineServices services, CancellationToken cancellationToken)
        {
            Services = services;
            Opened++;
            Engine = new DisposalProbe(InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = services.TimeProvider }));
            return ValueTask.FromResult<IShoalEngine>(Engine);
        }
    }
}
