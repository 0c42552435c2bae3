using Mirra.Util;

namespace Mirra.Tests.Util;

/// <summary>key-load-delay / rdb-key-save-delay arithmetic: Redis's debugDelay, taken a whole millisecond at a time.</summary>
public class DebugDelayTests
{
    [Fact]
    public void MicrosecondsPerKeyAddUpToWholeMilliseconds()
    {
        var d = new DebugDelay();
        Assert.Equal(0, d.Owe(0, 1000));   // off
        Assert.Equal(0, d.Owe(100, 9));    // 900 µs owed
        Assert.Equal(1, d.Owe(100, 2));    // 1100 µs: 1 ms now, 100 µs kept
        Assert.Equal(0, d.Owe(100, 8));    // 900 µs
        Assert.Equal(25, d.Owe(500, 49));  // 900 + 24500 µs
        Assert.Equal(0, d.Owe(100, 0));
    }

    [Fact]
    public void ANegativeDelayIsOneMicrosecondEveryThatManyKeys()
    {
        var d = new DebugDelay();
        Assert.Equal(0, d.Owe(-10, 9_999)); // 999.9 µs
        Assert.Equal(1, d.Owe(-10, 1));     // 1000 µs
        Assert.Equal(3, d.Owe(-2, 6_000));
    }
}
