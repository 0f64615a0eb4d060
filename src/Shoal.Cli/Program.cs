using Shoal.Cli;

return await ShoalCli.InvokeAsync(args, new Shoal.Scenarios.Demo.DemoRunner(Shoal.Cli.Engines.EngineUris.Services));
