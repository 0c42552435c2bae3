using System.Text;
using Mirra.Replication;
using Mirra.Tests.Support;

namespace Mirra.Tests.Replication;

public class ReplicationBufferTests
{
    [Theory]
    [InlineData(8, 8)]
    [InlineData(100, 112)]
    [InlineData(129, 160)]
    [InlineData(16384, 16384)]
    [InlineData(16424, 20480)] // a 16 KB block and its header: what Redis 7 allocates for each small-command block
    [InlineData(65576, 81920)]
    public void AllocationsAreRoundedToJemallocSizeClasses(long n, long usable) =>
        Assert.Equal(usable, ReplicationBuffer.JemallocUsableSize(n));

    [Fact]
    public void BlocksHoldAtLeast16KbAndAtMostASixteenthOfTheBacklog()
    {
        Assert.Equal(20440, ReplicationBuffer.BlockSizeFor(10, 1 << 20));
        Assert.Equal(81880, ReplicationBuffer.BlockSizeFor(100_000, 1 << 20)); // capped at 64 KB (+ rounding)
        Assert.Equal(20440, ReplicationBuffer.BlockSizeFor(100_000, 16 * 1024)); // a tiny backlog still gets 16 KB blocks
    }

    [Fact]
    public void AnEmptyBacklogStartsAtTheNextByte()
    {
        var b = new ReplicationBuffer(1 << 20, 1000);
        Assert.Equal(1001, b.FirstByteOffset);
        Assert.Equal(0, b.HistLen);
        Assert.True(b.Covers(1001));
        Assert.False(b.Covers(1000));
        Assert.False(b.Covers(1002));
    }

    [Fact]
    public void ABacklogBelowTheMinimumHas16Kb() => Assert.Equal(16384, new ReplicationBuffer(1000, 0).Size);

    /// <summary>Feeds like a master: the offset moves first, then the bytes are appended.</summary>
    static void Feed(ReplicationBuffer b, ref long offset, ReadOnlySpan<byte> bytes)
    {
        offset += bytes.Length;
        b.Append(bytes, offset);
    }

    [Fact]
    public void TrimsWholeBlocksKeepingAtLeastTheBacklogSize()
    {
        long offset = 0;
        var b = new ReplicationBuffer(16 * 1024, offset);
        var chunk = new byte[1000];
        for (int i = 0; i < 100; i++) Feed(b, ref offset, chunk); // 100,000 bytes in blocks of 20,440
        // Blocks are dropped only while what remains without them is still over the size.
        Assert.Equal(100_000, offset);
        Assert.True(b.HistLen > 16 * 1024);
        Assert.Equal(0, (b.FirstByteOffset - 1) % 20440);
        Assert.Equal(offset - b.HistLen + 1, b.FirstByteOffset);
        Assert.Equal(100_000 - 3 * 20440, b.HistLen); // blocks 0-2 trimmed: blocks 3 and 4 hold 38,680 bytes
        Assert.Equal(3 * 20440 + 1, b.FirstByteOffset);
    }

    [Fact]
    public void ACursorKeepsItsBlockFromBeingTrimmed()
    {
        long offset = 0;
        var b = new ReplicationBuffer(16 * 1024, offset);
        var cursors = new List<ReplicationCursor>();
        b.Cursors = () => cursors;
        var chunk = new byte[1000];
        Feed(b, ref offset, chunk);
        cursors.Add(new ReplicationCursor { Block = b.Head, Position = 0 }); // a replica that received nothing
        for (int i = 0; i < 99; i++) Feed(b, ref offset, chunk);
        Assert.Equal(1, b.FirstByteOffset);
        Assert.Equal(100_000, b.HistLen);
        // Its output buffer: from its block to the end of the tail block, plus 64 bytes per block.
        Assert.Equal(5 * 20440 + 5 * 64, b.OutputBufferUsage(cursors[0]));
        cursors.Clear(); // it caught up (or went away): the next trim catches up, 10 blocks at a time
        b.Trim();
        Assert.Equal(100_000 - 4 * 20440, b.HistLen); // 18,240: more than the size, less than the size + a block
    }

    /// <summary>Every block object the buffer holds now.</summary>
    static List<ReplicationBlock> Blocks(ReplicationBuffer b)
    {
        var blocks = new List<ReplicationBlock>();
        for (var block = b.Head; block != null; block = block.Next) blocks.Add(block);
        return blocks;
    }

    [Fact]
    public void TrimmedBlocksAreReusedForTheTailWithTheirNewOffsetAndContent()
    {
        long offset = 0;
        var b = new ReplicationBuffer(16 * 1024, offset);
        var seen = new HashSet<ReplicationBlock>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < 1000; i++) // 1 MB through a 16 KB backlog: about 50 blocks' worth
        {
            Feed(b, ref offset, Encoding.ASCII.GetBytes(i.ToString("D6") + new string('.', 994)));
            foreach (var block in Blocks(b)) seen.Add(block);
        }
        Assert.InRange(seen.Count, 3, 4); // the head, the tail, and the one trimmed while the next is created
        // Each block is renumbered and moved to its new offset, and holds the new bytes: no gap, no overlap.
        var blocks = Blocks(b);
        for (int i = 1; i < blocks.Count; i++)
        {
            Assert.Equal(blocks[i - 1].Id + 1, blocks[i].Id);
            Assert.Equal(blocks[i - 1].End, blocks[i].Offset);
        }
        Assert.Equal(offset, b.Tail!.End - 1);
        Assert.Equal(offset - b.HistLen + 1, b.FirstByteOffset);
        var (cursor, length) = b.CursorAt(offset - 999);
        Assert.Equal(1000, length);
        Assert.Equal("000999", Encoding.ASCII.GetString(cursor.Block!.Buffer, cursor.Position, 6));
    }

    [Fact]
    public void ABlockASenderStillReadsIsNotReused()
    {
        long offset = 0;
        var b = new ReplicationBuffer(16 * 1024, offset);
        var chunk = new byte[1000];
        Feed(b, ref offset, chunk);
        var read = b.Head!;
        read.BeginRead(); // the sender of a replica dropped a moment ago, still in its send
        for (int i = 1; i < 1000; i++)
        {
            Feed(b, ref offset, chunk);
            Assert.DoesNotContain(read, Blocks(b).Skip(1)); // once trimmed, never back in the buffer
        }
        Assert.NotSame(read, b.Head);
        read.EndRead();
    }

    [Fact]
    public void LargeBlocksAreNotKept()
    {
        long offset = 0;
        var b = new ReplicationBuffer(1 << 20, offset);
        for (int i = 0; i < 20; i++) Feed(b, ref offset, new byte[100_000]); // blocks of 64 KB
        Assert.True(b.FirstByteOffset > 1);
        Assert.Equal(0, b.SpareBlocks);
    }

    [Fact]
    public void ACursorAtAnOffsetCoversTheRestOfTheBacklog()
    {
        long offset = 0;
        var b = new ReplicationBuffer(1 << 20, offset);
        var data = Encoding.ASCII.GetBytes(new string('a', 30_000) + new string('b', 30_000));
        Feed(b, ref offset, data);
        var (cursor, length) = b.CursorAt(30_001);
        Assert.Equal(30_000, length);
        Assert.Equal(30_001, cursor.Offset);
        Assert.Equal((byte)'b', cursor.Block!.Buffer[cursor.Position]);
        var (atEnd, rest) = b.CursorAt(60_001);
        Assert.Equal(0, rest);
        Assert.Equal(60_001, atEnd.Offset);
    }

    [Fact]
    public void ResizingKeepsTheContentAndTrimsWhenSmaller()
    {
        long offset = 0;
        var b = new ReplicationBuffer(1 << 20, offset);
        var chunk = new byte[1000];
        for (int i = 0; i < 500; i++) Feed(b, ref offset, chunk);
        Assert.Equal(500_000, b.HistLen);
        b.Resize(2 << 20);
        Assert.Equal(500_000, b.HistLen);
        Assert.Equal(1, b.FirstByteOffset);
        b.Resize(100_000);
        Assert.Equal(500_000 - 10 * 20440, b.HistLen); // like Redis: at most 10 blocks per trim
        b.Trim();
        Assert.Equal(500_000 - 19 * 20440, b.HistLen); // 111,640: one block less would be under 100,000
        Assert.Equal(offset - b.HistLen + 1, b.FirstByteOffset);
    }

    [Fact]
    public void RebasingMovesEveryOffset()
    {
        long offset = 0;
        var b = new ReplicationBuffer(1 << 20, offset);
        Feed(b, ref offset, new byte[100]);
        b.Rebase(5000);
        Assert.Equal(5001, b.FirstByteOffset);
        Assert.Equal(5001, b.Head!.Offset);
        Assert.True(b.Covers(5101));
    }

    /// <summary>
    /// The numbers redis-server 7.0.15 reported for this exact stream (a replica attached, repl-ping-replica-period
    /// 3600 so no PING, then SELECT 0 and 5000 SETs of 300-byte values, every 1000th a 100,000-byte value):
    /// master_repl_offset:2172428, repl_backlog_first_byte_offset:1104001, repl_backlog_histlen:1068428,
    /// mem_total_replication_buffers:1086496, and the caught-up replica's omem=20504, oll=1.
    /// </summary>
    [Fact]
    public void ReproducesRedisBacklogNumbers()
    {
        var ts = new TestServer("repl-diskless-sync-delay", "60");
        var h = new ReplicaHarness(ts);
        var replica = h.Replica(6380);
        h.Run(replica, "REPLCONF", "capa", "eof");
        h.Run(replica, "PSYNC", "?", "-1"); // waits for its (delayed) snapshot: not fed, blocks nothing
        Assert.Equal("+OK\r\n", ts.Run("SELECT", "0"));
        var small = new string('x', 300);
        var large = new string('y', 100_000);
        for (int i = 0; i < 5000; i++)
            Assert.Equal("+OK\r\n", ts.Run("SET", $"key:{i}", i % 1000 == 999 ? large : small));
        var backlog = ts.Server.Master.Backlog!;
        Assert.Equal(2172428, ts.Server.Replication.Offset);
        Assert.Equal(1104001, backlog.FirstByteOffset);
        Assert.Equal(1068428, backlog.HistLen);
        Assert.Equal(1086496, backlog.Memory);
        var caughtUp = new ReplicationCursor { Block = backlog.Tail, Position = backlog.Tail!.Used };
        Assert.Equal(20504, backlog.OutputBufferUsage(caughtUp));
    }
}
