namespace Shoal.Engines.InProcess;

/// <summary>The approximate stored size of an event, checked against <see cref="InProcessEngineOptions.MaxEventBytes"/>.</summary>
internal static class EventSize
{
    /// <summary>Payload bytes plus one byte per character of id, key, type, content type and headers.</summary>
    public static long Of(in EventEnvelope e)
    {
        long size = e.Payload.Length;
        size += e.IdLength + (e.Key?.Length ?? 0) + (e.Type?.Length ?? 0) + (e.ContentType?.Length ?? 0);
        if (e.Headers is { Count: > 0 } headers)
        {
            foreach (var (name, value) in headers)
            {
                size += (name?.Length ?? 0) + (value?.Length ?? 0);
            }
        }

        return size;
    }
}
