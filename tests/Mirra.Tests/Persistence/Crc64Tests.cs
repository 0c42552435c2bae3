using Mirra.Persistence.Rdb;
using Xunit;

namespace Mirra.Tests.Persistence;

public class Crc64Tests
{
    [Fact]
    public void CheckValueMatchesRedis() => Assert.Equal(0xe9c6d914c4b8d9caUL, Crc64.Compute("123456789"u8));

    [Fact]
    public void IncrementalEqualsOneShotAtEveryPrefix()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        ulong whole = Crc64.Compute(data);
        for (int cut = 0; cut <= data.Length; cut += 37)
            Assert.Equal(whole, Crc64.Update(Crc64.Compute(data.AsSpan(0, cut)), data.AsSpan(cut)));
    }

    [Fact]
    public void EmptyInputIsZero() => Assert.Equal(0UL, Crc64.Compute(ReadOnlySpan<byte>.Empty));
}
