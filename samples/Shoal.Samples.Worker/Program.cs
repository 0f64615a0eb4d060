using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Shoal;
using Shoal.Hosting;
using Shoal.Hosting.Health;
using Shoal.Samples.Worker;

// A worker service as a user would write it: the generic host runs Shoal (engine, topics and groups from
// appsettings.json's "Shoal" section; event types and handlers in code) next to a background service that publishes
// orders, and Kestrel answers the Kubernetes probes on /health/live and /health/ready. Ctrl-C or SIGTERM stops it
// gracefully: Shoal stops fetching, lets in-flight handlers finish and commits their offsets before the process exits.
// Any setting can be overridden by an environment variable, e.g. Shoal__Groups__billing__MaxConcurrency=4.
var builder = WebApplication.CreateBuilder(args);

// The drain must fit inside the host's shutdown timeout (see docs/hosting.md).
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

builder.Services.AddShoal(builder.Configuration.GetSection("Shoal"), shoal => shoal
    .AddEventType<OrderPlaced>("order-placed")
    .AddHandler<OrderPlaced, OrderPlacedHandler>("billing"));

builder.Services.AddHostedService<OrderProducer>();

// Live: the node runs. Ready: the engine answers and this node's cluster members hold their partitions.
builder.Services.AddHealthChecks().AddShoalHealthChecks();

// Shoal's metrics and spans, one line each. The console exporter stands in for OTLP/Prometheus; it is off unless
// Sample:ConsoleTelemetry is true (Sample__ConsoleTelemetry=true), as it prints every span.
if (builder.Configuration.GetValue<bool>("Sample:ConsoleTelemetry"))
{
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(resource => resource.AddService("shoal-sample-worker"))
        .WithMetrics(metrics => metrics.AddMeter(ShoalDiagnostics.MeterName).AddConsoleExporter())
        .WithTracing(tracing => tracing.AddSource(ShoalDiagnostics.ActivitySourceName).AddConsoleExporter());
}

var app = builder.Build();
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ShoalHealthChecks.LiveTag) });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ShoalHealthChecks.ReadyTag) });
await app.RunAsync();
