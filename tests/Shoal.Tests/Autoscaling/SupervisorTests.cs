using System.Collections.Concurrent;
using Shoal.Cluster.Autoscaling;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Autoscaling;

/// <summary>The supervisor's loop with fake worker processes on fake time: what it starts, stops, restarts and kills.</summary>
public sealed class SupervisorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Scales_up_with_new_members_and_scales_down_youngest_first_with_SIGTERM()
    {
        await using var run = new Run();
        await run.WaitDecisionsAsync(1);
        Assert.Equal(["g-1"], run.Launcher.Running.Select(w => w.MemberId));

        run.Desired = 4;
        await run.WaitDecisionsAsync(2);
        Assert.Equal(["g-1", "g-2", "g-3", "g-4"], run.Launcher.Running.Select(w => w.MemberId));
        await run.WaitDecisionsAsync(3);
        Assert.Equal(4, run.LastAskedFor);

        run.Desired = 2;
        await run.WaitDecisionsAsync(4);
        var stopped = run.Launcher.Started.Where(w => w.Terminated).Select(w => w.MemberId).Order().ToList();
        Assert.Equal(["g-3", "g-4"], stopped);
        Assert.All(run.Launcher.Started.Where(w => w.Terminated), w => Assert.False(w.Killed));
        await Wait.UntilAsync(() => run.Events.Count(e => e.Type == SupervisorEventTypes.Exited) == 2, "both exits reported");

        // The next decision is relative to the two workers still asked for.
        await run.WaitDecisionsAsync(5);
        Assert.Equal(2, run.LastAskedFor);

        var summary = await run.StopAsync();
        Assert.Equal(1, summary.ScaleUps);
        Assert.Equal(3, summary.WorkersAdded);
        Assert.Equal(1, summary.ScaleDowns);
        Assert.Equal(2, summary.WorkersRemoved);
        Assert.Equal(4, summary.PeakWorkers);
        Assert.Equal(2, summary.FinalWorkers);
        Assert.Equal(0, summary.Restarts);
        Assert.Empty(run.Launcher.Running);
        Assert.All(run.Launcher.Started, w => Assert.True(w.Terminated));
    }

    [Fact]
    public async Task A_crashed_worker_is_restarted_under_its_member_id_without_counting_as_a_scaling_decision()
    {
        await using var run = new Run(desired: 2);
        await run.WaitDecisionsAsync(1);
        Assert.Equal(2, run.Launcher.Running.Count);

        // Crash after running a while: restarted at once.
        run.Clock.Advance(TimeSpan.FromSeconds(30));
        await run.WaitDecisionsAsync(2);
        run.Launcher.Running[1].Exit(137);
        await Wait.UntilAsync(() => run.Events.Any(e => e.Type == SupervisorEventTypes.Restarted), "restart");
        var restarted = run.Events.Single(e => e.Type == SupervisorEventTypes.Restarted);
        Assert.Equal("g-2", restarted.Member);
        Assert.Equal(["g-1", "g-2"], run.Launcher.Running.Select(w => w.MemberId).Order());
        Assert.Equal(3, run.Launcher.Started.Count);

        await run.WaitDecisionsAsync(4);
        Assert.Equal(2, run.LastAskedFor);
        var summary = await run.StopAsync();
        Assert.Equal(1, summary.Restarts);
        Assert.Equal(1, summary.ScaleUps);
        Assert.Equal(0, summary.ScaleDowns);
    }

    [Fact]
    public async Task A_worker_that_keeps_crashing_at_start_is_restarted_with_a_doubling_delay()
    {
        await using var run = new Run();
        await run.WaitDecisionsAsync(1);
        for (var crash = 1; crash <= 4; crash++)
        {
            run.Launcher.Running.Single().Exit(1, "engine unreachable");
            await Wait.UntilAsync(() => run.Events.Count(e => e.Type == SupervisorEventTypes.Crashed) == crash, $"crash {crash}");
            var reported = run.Events.Last(e => e.Type == SupervisorEventTypes.Crashed);
            Assert.Equal(1000L << (crash - 1), reported.Count);
            Assert.Contains("engine unreachable", reported.Message);
            Assert.Empty(run.Launcher.Running);
            await run.Clock.RunUntilAsync(() => run.Launcher.Running.Count == 1, $"restart {crash}");
        }

        Assert.Equal(4, (await run.StopAsync()).Restarts);
    }

    [Fact]
    public async Task A_worker_that_ignores_SIGTERM_is_killed_after_the_stop_timeout()
    {
        await using var run = new Run(launcher => launcher.ExitOnTerminate = false, desired: 2);
        await run.WaitDecisionsAsync(1);
        run.Desired = 1;
        await run.WaitDecisionsAsync(2);
        var stuck = run.Launcher.Started.Single(w => w.Terminated);
        Assert.Equal("g-2", stuck.MemberId);
        Assert.False(stuck.Killed);

        await run.Clock.RunUntilAsync(() => stuck.Killed, "kill after the stop timeout");
        Assert.Contains(run.Events, e => e.Type == SupervisorEventTypes.Killed && e.Member == "g-2");

        // g-1 exits on its own, which the supervisor may answer with a restart before the stop below: that worker
        // must stop when asked, or the stop would wait for a stop timeout this test's clock never reaches (the test
        // failed that way about once in ten full runs).
        run.Launcher.ExitOnTerminate = true;
        run.Launcher.Running.Single().Exit(0);
        var summary = await run.StopAsync();
        Assert.Equal(1, summary.Killed);
    }

    [Fact]
    public async Task A_worker_that_rejects_its_options_stops_the_supervisor_instead_of_restarting()
    {
        var launcher = new FakeLauncher { ExitAtStart = 2 };
        var clock = new TestClock();
        var supervisor = new Supervisor(Run.Options, launcher, (current, _) => ValueTask.FromResult(Run.Tick(clock, current, current)), _ => { }, clock);
        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(() => supervisor.RunAsync("t", "g", CancellationToken.None));
        Assert.Contains("bad option --frobnicate", error.Message);
        Assert.Single(launcher.Started);
    }

    [Fact]
    public async Task With_the_policy_a_load_step_adds_workers_and_the_end_of_the_load_removes_them()
    {
        // A fluid queue: 4 partitions, each worker handles 100 events/s; arrivals 50/s, then 300/s, then 0.
        var policy = new AutoscalePolicy(new AutoscaleOptions
        {
            MinMembers = 1,
            MaxMembers = 4,
            TargetLag = 100,
            ScaleUpWindow = TimeSpan.FromSeconds(10),
            ScaleDownWindow = TimeSpan.FromSeconds(30),
            Cooldown = TimeSpan.FromSeconds(10),
            MemberStartupTime = TimeSpan.Zero,
        });
        double arrivals = 50, lag = 0;
        var clock = new TestClock();
        var last = clock.GetUtcNow();
        var launcher = new FakeLauncher();
        var counts = new ConcurrentQueue<int>();
        var supervisor = new Supervisor(Run.Options, launcher, (current, _) =>
        {
            var now = clock.GetUtcNow();
            var working = launcher.Running.Count;
            lag = Math.Max(0, lag + ((arrivals - (working * 100)) * (now - last).TotalSeconds));
            last = now;
            var decision = policy.Decide(new AutoscaleInput
            {
                At = now,
                CurrentMembers = current,
                Partitions = 4,
                PartitionLag = [.. Enumerable.Repeat((long)(lag / 4), 4)],
                ArrivalRate = arrivals,
                ProcessingRatePerMember = 100,
            });
            counts.Enqueue(decision.DesiredMembers);
            return ValueTask.FromResult(new SupervisorTick(decision, null));
        }, _ => { }, clock);
        using var stop = new CancellationTokenSource();
        var running = supervisor.RunAsync("t", "g", stop.Token);

        await clock.RunUntilAsync(() => counts.Count >= 6, "30 s at 50 events/s");
        Assert.Single(launcher.Running);

        arrivals = 300;
        await clock.RunUntilAsync(() => launcher.Running.Count == 4, "scale up on the step");
        var upAt = counts.Count;
        Assert.InRange(upAt, 8, 12);

        // The load stopping is a deep drop: once the lag is drained, the workers leave after the 10 s scale-up window
        // (and the 10 s cooldown), two intervals, not after the 30 s scale-down window.
        arrivals = 0;
        await clock.RunUntilAsync(() => launcher.Running.Count == 1, "scale down after the load");
        Assert.InRange(counts.Count - upAt, 2, 3);
        Assert.All(launcher.Started.Where(w => w.Terminated), w => Assert.False(w.Killed));

        stop.Cancel();
        var summary = await running;
        Assert.Equal(4, summary.PeakWorkers);
        Assert.True(summary.ScaleDowns >= 1);
    }

    /// <summary>A supervisor on a test clock whose autoscaler answers <see cref="Desired"/>.</summary>
    private sealed class Run : IAsyncDisposable
    {
        public static readonly SupervisorOptions Options = new()
        {
            MinWorkers = 1,
            MaxWorkers = 8,
            Interval = Interval,
            StopTimeout = TimeSpan.FromSeconds(45),
            MemberPrefix = "g",
        };

        private readonly CancellationTokenSource _stop = new();
        private readonly Task<SupervisorSummary> _running;
        private int _decisions;

        public Run(Action<FakeLauncher>? configure = null, int desired = 1)
        {
            configure?.Invoke(Launcher);
            Desired = desired;
            var supervisor = new Supervisor(Options, Launcher, (current, _) =>
            {
                LastAskedFor = current;
                Interlocked.Increment(ref _decisions);
                return ValueTask.FromResult(Tick(Clock, current, Desired));
            }, Events.Enqueue, Clock);
            _running = supervisor.RunAsync("t", "g", _stop.Token);
        }

        public TestClock Clock { get; } = new();

        public FakeLauncher Launcher { get; } = new();

        public ConcurrentQueue<SupervisorEvent> Events { get; } = new();

        public int Desired { get; set; }

        public int LastAskedFor { get; private set; }

        public static SupervisorTick Tick(TimeProvider clock, int current, int desired) => new(
            new AutoscaleDecision(clock.GetUtcNow(), current, desired, desired, 0, 0, 8,
                desired > current ? AutoscaleReason.ScaleUp : desired < current ? AutoscaleReason.ScaleDown : AutoscaleReason.Steady),
            null);

        /// <summary>
        /// Advances the clock until the supervisor has decided <paramref name="count"/> times and acted on it (it waits
        /// for its next interval again: its timer is armed).
        /// </summary>
        public Task WaitDecisionsAsync(int count) =>
            Clock.RunUntilAsync(() => Volatile.Read(ref _decisions) >= count && Clock.PendingOneShots().Count > 0, $"{count} decisions");

        public async Task<SupervisorSummary> StopAsync()
        {
            await _stop.CancelAsync();
            return await _running.WaitAsync(TimeSpan.FromSeconds(30));
        }

        /// <summary>
        /// After a failed assertion the supervisor may be waiting on this test's clock (a stop timeout that never passes):
        /// kill every worker and give it a bounded time, so the failure is reported instead of hanging the run.
        /// </summary>
        public async ValueTask DisposeAsync()
        {
            if (!_running.IsCompleted)
            {
                await _stop.CancelAsync();
                foreach (var worker in Launcher.Running)
                {
                    worker.Kill();
                }

                try
                {
                    await _running.WaitAsync(TimeSpan.FromSeconds(30));
                }
                catch (TimeoutException)
                {
                    // The test has already failed; the supervisor task is abandoned with its fake workers.
                }
            }

            _stop.Dispose();
        }
    }
}
