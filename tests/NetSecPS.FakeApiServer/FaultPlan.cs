using System.Collections.Concurrent;

namespace NetSecPS.FakeApiServer;

/// <summary>
/// Failures the fake server injects, per resource (its plural, or group/plural when two groups
/// share a plural): 403, 429 with Retry-After, bursts of 500, expired continue tokens (410),
/// requests that never answer, and latency on every request. Safe to change while serving.
/// </summary>
public sealed class FaultPlan
{
    private readonly ConcurrentDictionary<string, string> forbidden = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> throttled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> serverErrors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> expiredContinue = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> hanging = new(StringComparer.Ordinal);

    /// <summary>Added to every request.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Every list and get of the resource answers 403 Forbidden.</summary>
    public FaultPlan Forbid(string resource, string user = "system:serviceaccount:netsecps:auditor")
    {
        forbidden[resource] = user;
        return this;
    }

    /// <summary>The next <paramref name="count"/> requests of the resource answer 429 with <c>Retry-After: seconds</c>.</summary>
    public FaultPlan Throttle(string resource, int count, int retryAfterSeconds)
    {
        throttled[resource] = new Counter(count, retryAfterSeconds);
        return this;
    }

    /// <summary>The next <paramref name="count"/> requests of the resource answer 500.</summary>
    public FaultPlan FailWith500(string resource, int count)
    {
        serverErrors[resource] = new Counter(count, 0);
        return this;
    }

    /// <summary>The next <paramref name="count"/> requests of the resource that carry a continue token answer 410 Gone (Expired).</summary>
    public FaultPlan ExpireContinue(string resource, int count)
    {
        expiredContinue[resource] = new Counter(count, 0);
        return this;
    }

    /// <summary>Requests of the resource never answer (until the client gives up on them).</summary>
    public FaultPlan Hang(string resource)
    {
        hanging[resource] = true;
        return this;
    }

    internal string? ForbiddenUser(ResourceType type) => Lookup(forbidden, type);

    internal bool IsHanging(ResourceType type) => Lookup(hanging, type);

    internal int? TakeThrottle(ResourceType type) => Take(throttled, type) is { } c ? c.Value : null;

    internal bool TakeServerError(ResourceType type) => Take(serverErrors, type) is not null;

    internal bool TakeExpiredContinue(ResourceType type) => Take(expiredContinue, type) is not null;

    private static T? Lookup<T>(ConcurrentDictionary<string, T> map, ResourceType type) =>
        map.TryGetValue(type.Group + "/" + type.Plural, out var v) || map.TryGetValue(type.Plural, out v) ? v : default;

    private static Counter? Take(ConcurrentDictionary<string, Counter> map, ResourceType type)
    {
        var c = Lookup(map, type);
        return c is not null && c.TryTake() ? c : null;
    }

    private sealed class Counter
    {
        private int remaining;

        public Counter(int count, int value)
        {
            remaining = count;
            Value = value;
        }

        public int Value { get; }

        public bool TryTake() => Interlocked.Decrement(ref remaining) >= 0;
    }
}
