using System.Diagnostics;
using System.Text.Json;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Serialization;

namespace Shoal.Scenarios.Demo;

/// <summary>
/// Runs the demo on the in-process engine: one producer publishes event n with key <c>n mod keys</c> and
/// sequence <c>n / keys</c> while a group handles them; the handler records every (key, sequence) in the
/// <see cref="GuaranteeChecker"/>, which then compares what was published with what was handled. With more than one
/// member, a member fault or <see cref="DemoSettings.ForceCluster"/>, runs the demo as a cluster of members in this
/// process instead (see <see cref="DemoSettings.IsCluster"/>).
/// </summary>
/// <param name="engineServices">
/// What an engine opened from <see cref="DemoSettings.Engine"/> gets (its logging, its clock); default
/// <see cref="EngineServices.Default"/>. The default private in-process engine needs none.
/// </param>
public sealed class DemoRunner(EngineServices? engineServices = null) : IDemoRunner
{
    private const string Group = "demo-verify";
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    private readonly EngineServices _engineServices = engineServices ?? EngineServices.Default;

    /// <inheritdoc/>
    public async Task<DemoReport> RunAsync(DemoSettings settings, IDemoProgress progress, CancellationToken cancellationToken)
    {
        var verifier = new GuaranteeChecker(settings.Capacity());
        if (settings.IsCluster)
        {
            return await new ClusterDemoRunner(settings, verifier, _engineServices).RunAsync(progress, cancellationToken);
        }

        var work = settings.HandlerWork;
        var handler = HandlerRegistration.For<DemoEvent>((e, context, ct) =>
        {
            if (work <= TimeSpan.Zero)
            {
                verifier.Record(e.Key, e.Sequence);
                return ValueTask.CompletedTask;
            }

            return HandleSlowlyAsync(verifier, e, work, ct);
        });

        // Commit and trim every 100 ms (defaults: 1 s) so handled events leave memory while the run goes on.
        var (engine, topic) = await DemoEngine.OpenAsync(settings, _engineServices, ProgressInterval, cancellationToken);
        await using var _ = engine;
        var options = new ShoalOptions
        {
            Topics = [new TopicOptions { Name = topic, Partitions = settings.Partitions, Format = settings.Format }],
            EventTypes = new EventTypeRegistry().Add<DemoEvent>("demo-event"),
            Serializers = EventSerializers.CreateDefault(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = DemoJsonContext.Default })
                .WithMessagePack().WithProtobuf(),
            Groups =
            [
                new GroupRegistration
                {
                    Options = new GroupOptions { Name = Group, Topic = topic, MaxConcurrency = settings.Concurrency, CommitInterval = ProgressInterval },
                    Handlers = [handler],
                },
            ],
        };

        await using var shoal = ShoalRuntime.Create(engine, options);
        await shoal.StartAsync(cancellationToken);

        var clock = Stopwatch.StartNew();
        long produced = 0;
        var producer = DemoProducer.RunAsync(shoal.Publisher, topic, settings, count => Interlocked.Add(ref produced, count), beforeBatch: null, cancellationToken);

        // Wait until everything published has been handled, or nothing moves for StallLimit.
        var lastCount = -1L;
        var lastMove = clock.Elapsed;
        while (true)
        {
            var handled = verifier.RecordedSoFar();
            progress.Handled(handled);
            if (producer.IsCompleted && handled >= Volatile.Read(ref produced))
            {
                break;
            }

            if (handled != lastCount)
            {
                lastCount = handled;
                lastMove = clock.Elapsed;
            }
            else if (clock.Elapsed - lastMove > StallLimit)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        var elapsed = clock.Elapsed;
        await producer;
        await shoal.StopAsync(cancellationToken);
        progress.Handled(verifier.RecordedSoFar());
        return verifier.Build(settings, Volatile.Read(ref produced), elapsed, Process.GetCurrentProcess().PeakWorkingSet64);
    }

    private static async ValueTask HandleSlowlyAsync(GuaranteeChecker verifier, DemoEvent e, TimeSpan work, CancellationToken cancellationToken)
    {
        await Task.Delay(work, cancellationToken);
        verifier.Record(e.Key, e.Sequence);
    }
}
