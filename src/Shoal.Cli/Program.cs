using Shoal.Cli;

return await ShoalCli.InvokeAsync(args);
