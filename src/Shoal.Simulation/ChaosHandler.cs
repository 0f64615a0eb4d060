namespace Shoal.Simulation;

/// <summary>
/// A member's handler: records every invocation, takes a seeded time on virtual time, fails transiently now and
/// then, always fails on poison events, and freezes while its member is paused.
/// </summary>
internal sealed class ChaosHandler(SimulatedMember member, ChaosRecorder recorder, ChaosWorkload workload) : IEventHandler<ChaosEvent>
{
    public async ValueTask HandleAsync(ChaosEvent @event, EventContext context, CancellationToken cancellationToken)
    {
        await member.Engine.WhileRunningAsync();
        var handling = recorder.Started(member.Id, context, @event);
        var ok = false;
        try
        {
            var work = workload.HandlerTime(member.Random, member.Slow);
            if (work > TimeSpan.Zero)
            {
                await Task.Delay(work, member.Clock, cancellationToken);
            }

            await member.Engine.WhileRunningAsync();
            if (workload.IsPoison(@event))
            {
                throw new InvalidOperationException($"poison event {@event.Key}#{@event.Seq}");
            }

            if (member.Random.NextDouble() < workload.HandlerFailureRate)
            {
                throw new InvalidOperationException("transient handler failure");
            }

            ok = true;
        }
        finally
        {
            recorder.Ended(handling, ok);
        }
    }
}
