using System.Diagnostics;

namespace Shoal.Scenarios.Workload;

/// <summary>What <c>shoal verify</c> is waiting for at the moment, for the error that ends it at its deadline.</summary>
internal sealed class WaitingFor(string what)
{
    private volatile string _what = what;
    private long _since = Stopwatch.GetTimestamp();

    /// <summary>The call under way; setting it marks progress (the previous call returned).</summary>
    public string What
    {
        get => _what;
        set
        {
            _what = value;
            Volatile.Write(ref _since, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>How long the call under way has been running.</summary>
    public TimeSpan Idle => Stopwatch.GetElapsedTime(Volatile.Read(ref _since));
}
