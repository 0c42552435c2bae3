namespace Mirra.Engine;

/// <summary>Wall-clock time in Unix milliseconds (expiry times are absolute wall-clock times, as in Redis).</summary>
public sealed class Clock
{
    public long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
