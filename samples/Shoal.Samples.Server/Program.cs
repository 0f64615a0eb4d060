using Shoal;
using Shoal.Hosting;
using Shoal.Samples.Server;
using Shoal.Server;

// An ASP.NET Core application of its own that mounts Shoal's server at /shoal: ingest, topic and group admin, health,
// metrics and the dashboard live beside the application's own endpoints. The node (engine, topics, groups, handlers)
// comes from Shoal.Hosting's AddShoal; the server takes its engine and publisher from the same services.
var builder = WebApplication.CreateBuilder(args);

// The drain must fit inside the host's shutdown timeout (see docs/hosting.md).
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

builder.Services.AddShoal(shoal => shoal
    .UseInProcessEngine()
    .AddTopic("orders", partitions: 4)
    .AddEventType<OrderPlaced>("order-placed")
    .AddGroup(new GroupOptions { Name = "billing", Topic = "orders", DrainTimeout = TimeSpan.FromSeconds(10) })
    .AddHandler<OrderPlaced, OrderPlacedHandler>("billing"));

// API keys come from configuration: Shoal:ApiKeys in appsettings.json or, better for secrets, the environment
// (Shoal__ApiKeys__0=KEY:produce,read). With none, authentication is off and the server logs a warning: fine on
// loopback, where appsettings.json makes this sample listen. An application with its own sign-in can name its
// authorization policy instead: AddShoalServer(ShoalServerOptions.Default with { AuthorizationPolicy = "..." }).
builder.Services.AddShoalServer();

var app = builder.Build();
app.MapGet("/", () => Results.Content(
    """<p>The application's own page. Shoal's dashboard: <a href="shoal/">/shoal/</a></p>""", "text/html"));
app.MapShoal("/shoal");
app.Run();
