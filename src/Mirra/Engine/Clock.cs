namespace Mirra.Engine;

/// <summary>Wall-clock time in Unix milliseconds (expiry times are absolute wall-clock times, as in Redis).</summary>
public sealed class Clock
{
    /// <summary>Added to the real time: lets tests (and DEBUG commands) move time forward.</summary>
    public long OffsetMs;

    public long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + OffsetMs;
}
