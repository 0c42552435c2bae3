using System.Text;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

/// <summary>
/// ZADD's hot path (redis-benchmark's "ZADD myzset score element:N" into one big set): changing the
/// score of a member that is already there must not allocate (arguments are only copied when a member is
/// really inserted).
/// </summary>
public class SortedSetAllocationTests
{
    [Fact]
    public void ZAddUpdatingExistingMembersAllocatesNothing()
    {
        // No slow log: a command preempted on a busy machine would be logged (an allocation).
        var s = new TestServer("zset-max-listpack-entries", "16", "slowlog-log-slower-than", "-1");
        for (int i = 0; i < 500; i++) Assert.Equal(":1\r\n", s.Run("ZADD", "z", i.ToString(), "element:" + i.ToString("D12")));
        var rng = new Random(1);
        var commands = new byte[4000][][];
        for (int i = 0; i < commands.Length; i++)
            commands[i] = new[] { "ZADD", "z", rng.Next(100_000).ToString("D12"), "element:" + rng.Next(500).ToString("D12") }
                .Select(Encoding.ASCII.GetBytes).ToArray();
        for (int i = 0; i < 2000; i++) Run(s, commands[i]); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 2000; i < 4000; i++) Run(s, commands[i]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(":500\r\n", s.Run("ZCARD", "z"));
        Assert.Equal("$8\r\nskiplist\r\n", s.Run("OBJECT", "ENCODING", "z"));

        static void Run(TestServer s, byte[][] argv)
        {
            s.Server.Dispatcher.ExecuteArgv(s.Client, argv);
            s.Client.Reply.Clear();
        }
    }
}
