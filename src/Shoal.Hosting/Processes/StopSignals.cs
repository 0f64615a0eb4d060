using System.Runtime.InteropServices;

namespace Shoal.Hosting.Processes;

/// <summary>
/// Turns SIGTERM and SIGINT (Ctrl-C) into a cancellation token for a console program that must stop gracefully
/// (stop its workers or servers) before it exits: the signal's default action (ending the process at once) is
/// cancelled. Dispose it when the program has stopped; a signal that arrives after that, or while it is being
/// disposed, is ignored.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _onTerm;
    private readonly PosixSignalRegistration _onInt;
    private readonly Lock _gate = new();
    private bool _disposed;

    private StopSignals(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Token = _stop.Token;
        _onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    /// <summary>Cancelled by SIGTERM, SIGINT, or the token given to <see cref="Listen"/>.</summary>
    public CancellationToken Token { get; }

    /// <summary>Starts listening for SIGTERM and SIGINT; <paramref name="cancellationToken"/> stops the program too.</summary>
    public static StopSignals Listen(CancellationToken cancellationToken = default) => new(cancellationToken);

    /// <summary>Asks the program to stop, as a signal does.</summary>
    public void Request()
    {
        // A signal's handler runs on a thread of its own and may still run once its registration is disposed: under
        // the lock, it either cancels a live source or sees that the program has already stopped.
        lock (_gate)
        {
            if (!_disposed)
            {
                _stop.Cancel();
            }
        }
    }

    /// <summary>Stops listening; the process's default signal handling applies again.</summary>
    public void Dispose()
    {
        _onInt.Dispose();
        _onTerm.Dispose();
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _stop.Dispose();
            }
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        Request();
    }
}
