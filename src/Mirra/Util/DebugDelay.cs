namespace Mirra.Util;

/// <summary>
/// Redis's debugDelay, behind the test-only directives key-load-delay and rdb-key-save-delay: a delay of
/// <c>usec</c> microseconds per key, or, when negative, of 1 microsecond every <c>-usec</c> keys. Delays shorter
/// than the clock can sleep add up and are taken a whole millisecond at a time, so the average holds.
/// </summary>
public sealed class DebugDelay
{
    long _owedNs;

    /// <summary>Owes the delay of <paramref name="keys"/> keys; returns the whole milliseconds now due (the rest stays owed).</summary>
    public int Owe(int usec, long keys)
    {
        if (usec == 0 || keys <= 0) return 0;
        _owedNs += usec > 0 ? usec * 1000L * keys : 1000L * keys / -usec;
        if (_owedNs < 1_000_000) return 0;
        long ms = _owedNs / 1_000_000;
        _owedNs -= ms * 1_000_000;
        return (int)Math.Min(int.MaxValue, ms);
    }

    /// <summary>One key: sleeps the calling thread when a millisecond or more is due.</summary>
    public void Key(int usec)
    {
        int ms = Owe(usec, 1);
        if (ms > 0) Thread.Sleep(ms);
    }
}
