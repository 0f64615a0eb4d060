using System.Text.Json.Serialization;
using Shoal.Cli.Demo;

namespace Shoal.Cli.Infrastructure;

/// <summary>Source-generated JSON for every <c>--json</c> result (camelCase, one line).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(DemoReport))]
[JsonSerializable(typeof(Shoal.Cli.Serve.ServeStarted))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
