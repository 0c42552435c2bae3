using System.Diagnostics;

namespace Mirra.Engine;

/// <summary>
/// Wall-clock time in Unix milliseconds (expiry times are absolute wall-clock times, as in Redis).
/// The dispatcher derives it from the monotonic timestamp it takes anyway to time each command,
/// re-anchored on the real clock every 100 ms: one clock read per command instead of two.
/// </summary>
public sealed class Clock
{
    static readonly long ReanchorTicks = Stopwatch.Frequency / 10;

    /// <summary>Added to the real time (DEBUG-style time travel).</summary>
    public long OffsetMs;
    /// <summary>When set, time stands still at this instant (in-process tests move it explicitly).</summary>
    public long? FrozenMs;

    long _anchorWallMs;
    long _anchorTicks = long.MinValue;

    public long NowMs() => FrozenMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + OffsetMs;

    /// <summary>The wall-clock time at a <see cref="Stopwatch.GetTimestamp"/> value taken just now.</summary>
    public long NowMs(long timestamp)
    {
        if (FrozenMs is long frozen) return frozen;
        long elapsed = timestamp - _anchorTicks;
        if ((ulong)elapsed > (ulong)ReanchorTicks)
        {
            _anchorWallMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            _anchorTicks = timestamp;
            elapsed = 0;
        }
        return _anchorWallMs + elapsed * 1000 / Stopwatch.Frequency + OffsetMs;
    }
}
