using Shoal.Cli;

return await ShoalCli.InvokeAsync(args, new Shoal.Cli.Demo.DemoRunner());
