namespace Shoal.Cli.Infrastructure;

/// <summary>Process exit codes shared by every verb.</summary>
internal static class ExitCodes
{
    /// <summary>The verb did what was asked and found nothing wrong.</summary>
    public const int Ok = 0;

    /// <summary>The run failed or its verification found a problem.</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments or options: nothing was run.</summary>
    public const int BadArguments = 2;

    /// <summary>Cancelled by Ctrl+C / SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;

    /// <summary>Still stopping <see cref="ShoalCli.ShutdownGrace"/> after Ctrl+C / SIGTERM, and ended anyway (128 + SIGTERM).</summary>
    public const int Terminated = 143;
}
