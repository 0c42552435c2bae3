using Mirra.Storage;
using Mirra.Tests.Support;

namespace Mirra.Tests.Storage;

public class StringValueTests
{
    [Fact]
    public void LargeValuesAreAllocatedWhereTheGcNeverCopiesThem()
    {
        var large = (byte[])StringValue.FromSpan(new byte[StringValue.PinnedValueBytes]);
        var small = (byte[])StringValue.FromSpan(new byte[StringValue.PinnedValueBytes - 1]);
        // The pinned object heap belongs to the oldest generation from the start; the ordinary heap starts at 0.
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(large));
        Assert.Equal(0, GC.GetGeneration(small));
    }

    [Fact]
    public void ALargeValueKeepsItsBytes()
    {
        var ts = new TestServer();
        var value = new string('v', 1000) + "end";
        Assert.Equal("+OK\r\n", ts.Run("SET", "k", value));
        Assert.Equal($"${value.Length}\r\n{value}\r\n", ts.Run("GET", "k"));
        Assert.Equal(":1003\r\n", ts.Run("STRLEN", "k"));
        Assert.Equal(":1006\r\n", ts.Run("APPEND", "k", "abc"));
        Assert.Equal("$6\r\nendabc\r\n", ts.Run("GETRANGE", "k", "-6", "-1"));
    }

    [Fact]
    public void IntegersAreStillSharedOrBoxedWhateverTheThreshold()
    {
        Assert.IsType<long>(StringValue.FromSpan("12345"u8));
        Assert.Same(StringValue.FromSpan("7"u8), StringValue.FromSpan("7"u8));
    }
}
