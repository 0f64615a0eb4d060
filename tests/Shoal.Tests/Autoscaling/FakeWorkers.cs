using Shoal.Cluster.Autoscaling;

namespace Shoal.Tests.Autoscaling;

/// <summary>Fake worker processes: the test decides when each exits and whether SIGTERM makes it exit.</summary>
internal sealed class FakeLauncher : IWorkerLauncher
{
    private readonly List<FakeWorker> _started = [];
    private int _nextPid = 1000;

    /// <summary>Whether new workers exit (code 0) when asked to stop. Default true.</summary>
    public bool ExitOnTerminate { get; set; } = true;

    /// <summary>When set, new workers exit with this code as soon as they start.</summary>
    public int? ExitAtStart { get; set; }

    public IReadOnlyList<FakeWorker> Started
    {
        get
        {
            lock (_started)
            {
                return [.. _started];
            }
        }
    }

    /// <summary>Workers started and not exited.</summary>
    public IReadOnlyList<FakeWorker> Running => [.. Started.Where(w => !w.Exited.IsCompleted)];

    public IWorkerProcess Start(string memberId)
    {
        var worker = new FakeWorker(memberId, Interlocked.Increment(ref _nextPid), ExitOnTerminate);
        lock (_started)
        {
            _started.Add(worker);
        }

        if (ExitAtStart is { } code)
        {
            worker.Exit(code, "bad option --frobnicate");
        }

        return worker;
    }
}

internal sealed class FakeWorker(string memberId, int pid, bool exitOnTerminate) : IWorkerProcess
{
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _errors = [];

    public string MemberId { get; } = memberId;

    public int Id { get; } = pid;

    public Task<int> Exited => _exited.Task;

    public bool Terminated { get; private set; }

    public bool Killed { get; private set; }

    public IReadOnlyList<string> LastErrors => [.. _errors];

    public void Exit(int code, string? error = null)
    {
        if (error is not null)
        {
            _errors.Add(error);
        }

        _exited.TrySetResult(code);
    }

    public void Terminate()
    {
        Terminated = true;
        if (exitOnTerminate)
        {
            Exit(0);
        }
    }

    public void Kill()
    {
        Killed = true;
        Exit(137);
    }

    public void Dispose()
    {
    }
}
