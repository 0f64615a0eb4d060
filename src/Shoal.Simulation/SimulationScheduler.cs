namespace Shoal.Simulation;

/// <summary>
/// Runs a whole cluster on one thread. Every continuation (through this <see cref="SynchronizationContext"/>) and
/// every task started on <see cref="TaskScheduler"/> becomes a work item; a seeded random picks which ready item
/// runs next, so the seed alone decides the interleaving. When nothing is ready, the virtual clock jumps to the next
/// timer. Work posted from any other thread is a determinism leak: it is counted and reported.
/// </summary>
internal sealed class SimulationScheduler : SynchronizationContext
{
    private readonly List<(SendOrPostCallback Callback, object? State)> _ready = [];
    private readonly List<(SendOrPostCallback Callback, object? State)> _foreign = [];
    private readonly Random _random;
    private int _thread = -1;

    public SimulationScheduler(int seed, VirtualClock clock)
    {
        _random = new Random(seed);
        Clock = clock;
        TaskScheduler = new SimulationTaskScheduler(this);
    }

    public VirtualClock Clock { get; }

    /// <summary>Pass this as the runtime's scheduler: tasks it starts are work items too.</summary>
    public TaskScheduler TaskScheduler { get; }

    /// <summary>Work items posted from a thread other than the simulation's (each one a determinism leak).</summary>
    public int ForeignPosts { get; private set; }

    /// <summary>Work items run so far.</summary>
    public long Steps { get; private set; }

    public override void Post(SendOrPostCallback d, object? state)
    {
        var owner = Volatile.Read(ref _thread);
        if (owner == -1 || Environment.CurrentManagedThreadId == owner)
        {
            _ready.Add((d, state));
            return;
        }

        lock (_foreign)
        {
            _foreign.Add((d, state));
            if (ForeignStacks.Count < 3)
            {
                ForeignStacks.Add(Environment.StackTrace);
            }
        }
    }

    /// <summary>Where the first determinism leaks were posted from (for diagnosis).</summary>
    public List<string> ForeignStacks { get; } = [];

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("The simulation never blocks a thread on another's work.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>
    /// Runs work items and timers on the calling thread until <paramref name="done"/> holds, time reaches
    /// <paramref name="limit"/>, or nothing is left to run. Returns true when <paramref name="done"/> held.
    /// </summary>
    public bool RunUntil(Func<bool> done, TimeSpan limit)
    {
        var previous = Current;
        _thread = Environment.CurrentManagedThreadId;
        SetSynchronizationContext(this);
        try
        {
            while (true)
            {
                if (done())
                {
                    return true;
                }

                if (_ready.Count > 0)
                {
                    var index = _random.Next(_ready.Count);
                    var (callback, state) = _ready[index];
                    _ready[index] = _ready[^1];
                    _ready.RemoveAt(_ready.Count - 1);
                    Steps++;
                    callback(state);
                    continue;
                }

                if (DrainForeign(wait: false))
                {
                    continue;
                }

                if (Clock.AdvanceToNext(limit))
                {
                    continue;
                }

                // Nothing ready and no timer: either all is quiet, or a leak is about to post back. Give a leak a
                // moment to show up (it is counted), then stop.
                if (DrainForeign(wait: true))
                {
                    continue;
                }

                Clock.AdvanceTo(limit);
                return done();
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Starts <paramref name="work"/> on the simulation (as a work item) and returns its task.</summary>
    public Task<T> Start<T>(Func<Task<T>> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler).Unwrap();

    /// <summary>Starts <paramref name="work"/> on the simulation (as a work item) and returns its task.</summary>
    public Task Start(Func<Task> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler).Unwrap();

    private bool DrainForeign(bool wait)
    {
        for (var i = 0; i < (wait ? 20 : 1); i++)
        {
            lock (_foreign)
            {
                if (_foreign.Count > 0)
                {
                    ForeignPosts += _foreign.Count;
                    _ready.AddRange(_foreign);
                    _foreign.Clear();
                    return true;
                }
            }

            if (wait)
            {
                Thread.Sleep(1);
            }
        }

        return false;
    }

    private sealed class SimulationTaskScheduler(SimulationScheduler owner) : TaskScheduler
    {
        protected override void QueueTask(Task task) => owner.Post(static s => ((Work)s!).Run(), new Work(this, task));

        // Never inline: every task start is a scheduling decision the seed makes.
        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

        protected override IEnumerable<Task>? GetScheduledTasks() => null;

        private sealed class Work(SimulationTaskScheduler scheduler, Task task)
        {
            public void Run() => scheduler.TryExecuteTask(task);
        }
    }
}
