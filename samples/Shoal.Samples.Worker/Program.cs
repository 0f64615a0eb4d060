using Shoal;
using Shoal.Hosting;
using Shoal.Samples.Worker;

// A worker service as a user would write it: the generic host runs Shoal (topics, groups, handlers) next to a
// background service that publishes orders. Ctrl-C or SIGTERM stops it gracefully: Shoal stops fetching,
// lets in-flight handlers finish and commits their offsets before the process exits.
var builder = Host.CreateApplicationBuilder(args);

// The drain must fit inside the host's shutdown timeout (see docs/hosting.md).
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

builder.Services.AddShoal(shoal => shoal
    .UseInProcessEngine()
    .AddTopic("orders", partitions: 12)
    .AddEventType<OrderPlaced>("order-placed")
    .AddGroup(new GroupOptions { Name = "billing", Topic = "orders", DrainTimeout = TimeSpan.FromSeconds(10) })
    .AddHandler<OrderPlaced, OrderPlacedHandler>("billing"));

builder.Services.AddHostedService<OrderProducer>();

await builder.Build().RunAsync();
