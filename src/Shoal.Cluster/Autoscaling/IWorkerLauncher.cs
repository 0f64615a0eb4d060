namespace Shoal.Cluster.Autoscaling;

/// <summary>Starts worker processes for a <see cref="Supervisor"/> (real processes, e.g. <c>shoal worker</c>, or fakes in tests).</summary>
public interface IWorkerLauncher
{
    /// <summary>Starts a worker that joins the group as <paramref name="memberId"/>. Throws <see cref="ShoalException"/> when it cannot start.</summary>
    IWorkerProcess Start(string memberId);
}
