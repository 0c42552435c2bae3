namespace Mirra.Engine;

/// <summary>Wall-clock time in Unix milliseconds (expiry times are absolute wall-clock times, as in Redis).</summary>
public sealed class Clock
{
    /// <summary>Added to the real time (DEBUG-style time travel).</summary>
    public long OffsetMs;
    /// <summary>When set, time stands still at this instant (in-process tests move it explicitly).</summary>
    public long? FrozenMs;

    public long NowMs() => FrozenMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + OffsetMs;
}
