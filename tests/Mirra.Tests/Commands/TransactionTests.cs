using System.Text.RegularExpressions;
using Mirra.Engine;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

/// <summary>
/// MULTI, EXEC, DISCARD, WATCH, UNWATCH with two clients. Every reply, and what makes EXEC fail or
/// succeed (stale keys, flushes, SWAPDB), was recorded from redis-server 7.0.15 running the same
/// commands from two connections (with DEBUG SET-ACTIVE-EXPIRE 0 where keys expire).
/// </summary>
public class TransactionTests
{
    readonly TestServer _s = new();
    readonly Client _b;

    public TransactionTests() => _b = _s.NewClient();

    string A(params string[] args) => _s.Run(args);
    string B(params string[] args) => _s.Run(_b, args);

    /// <summary>Runs MULTI, PING, EXEC on the first client and returns EXEC's reply.</summary>
    string ExecPing()
    {
        Assert.Equal("+OK\r\n", A("multi"));
        Assert.Equal("+QUEUED\r\n", A("ping"));
        return A("exec");
    }

    const string Pong = "*1\r\n+PONG\r\n";
    const string Aborted = "*-1\r\n";

    [Fact]
    public void QueuesAndRunsCommands()
    {
        Assert.Equal("+OK\r\n", A("multi"));
        Assert.Equal("+QUEUED\r\n", A("set", "a", "1"));
        Assert.Equal("+QUEUED\r\n", A("get", "a"));
        Assert.Equal("+QUEUED\r\n", A("incr", "nokey"));
        Assert.Equal("+QUEUED\r\n", A("hset", "a", "x", "y"));
        Assert.Equal("+QUEUED\r\n", A("incr", "a"));
        Assert.Equal("$-1\r\n", B("get", "a"));                  // nothing ran yet
        // An error at EXEC time is one element of the reply; the other commands still run.
        Assert.Equal("*5\r\n+OK\r\n$1\r\n1\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:2\r\n", A("exec"));
        Assert.Equal("$1\r\n2\r\n", B("get", "a"));
        Assert.Equal("+OK\r\n", A("multi"));
        Assert.Equal("*0\r\n", A("exec"));
        Assert.Equal("+OK\r\n", A("multi"));
        Assert.Equal("+QUEUED\r\n", A("select", "1"));
        Assert.Equal("+QUEUED\r\n", A("set", "zz", "1"));
        Assert.Equal("*2\r\n+OK\r\n+OK\r\n", A("exec"));
        Assert.Equal("$1\r\n1\r\n", A("get", "zz"));               // SELECT inside the transaction stays
    }

    [Fact]
    public void ErrorsOfTheTransactionCommands()
    {
        Assert.Equal("-ERR EXEC without MULTI\r\n", A("exec"));
        Assert.Equal("-ERR DISCARD without MULTI\r\n", A("discard"));
        Assert.Equal("+OK\r\n", A("multi"));
        Assert.Equal("-ERR MULTI calls can not be nested\r\n", A("multi"));
        Assert.Equal("-ERR WATCH inside MULTI is not allowed\r\n", A("watch", "x"));
        Assert.Equal("+QUEUED\r\n", A("ping"));
        Assert.Equal(Pong, A("exec"));                             // neither error dooms the transaction
        Assert.Equal("+OK\r\n", A("multi"));
        Assert.Equal("+QUEUED\r\n", A("ping"));
        Assert.Equal("+OK\r\n", A("discard"));
        Assert.Equal("-ERR DISCARD without MULTI\r\n", A("discard"));
        Assert.Equal("-ERR wrong number of arguments for 'watch' command\r\n", A("watch"));
        Assert.Equal("-ERR wrong number of arguments for 'unwatch' command\r\n", A("unwatch", "x"));
    }

    [Fact]
    public void RefusedCommandsAbortTheTransaction()
    {
        const string execAbort = "-EXECABORT Transaction discarded because of previous errors.\r\n";
        A("multi");
        Assert.Equal("+QUEUED\r\n", A("set", "a", "1"));
        Assert.Equal("-ERR unknown command 'foo', with args beginning with: 'bar' \r\n", A("foo", "bar"));
        Assert.Equal("-ERR wrong number of arguments for 'get' command\r\n", A("get"));
        Assert.Equal("+QUEUED\r\n", A("set", "b", "1"));
        Assert.Equal(execAbort, A("exec"));
        Assert.Equal("*0\r\n", A("keys", "*"));

        A("multi");
        Assert.Equal("-ERR wrong number of arguments for 'multi' command\r\n", A("multi", "x"));
        Assert.Equal(execAbort, A("exec"));

        A("multi");
        Assert.Equal("-ERR Command not allowed inside a transaction\r\n", A("shutdown"));   // no_multi
        Assert.Equal(execAbort, A("exec"));

        // EXEC itself refused: the transaction is discarded, the reason without its "ERR ".
        A("multi");
        Assert.Equal("-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n", A("exec", "x"));
        Assert.Equal("-ERR EXEC without MULTI\r\n", A("exec"));
    }

    [Fact]
    public void WatchedKeyWrittenByAnotherClient()
    {
        A("watch", "x");
        B("set", "x", "1");
        Assert.Equal("+OK\r\n", A("multi"));
        Assert.Equal("+QUEUED\r\n", A("set", "y", "1"));
        Assert.Equal(Aborted, A("exec"));
        Assert.Equal("$-1\r\n", A("get", "y"));

        A("hello", "3");
        A("watch", "x");
        B("set", "x", "2");
        Assert.Equal("_\r\n", ExecPing());                          // RESP3 null
        A("hello", "2");

        A("watch", "x");
        B("set", "x", "3");
        A("unwatch");
        Assert.Equal(Pong, ExecPing());
        A("watch", "x");
        B("set", "x", "3");
        Assert.Equal("+OK\r\n", A("multi"));
        Assert.Equal("+OK\r\n", A("discard"));                     // DISCARD forgets the watched keys too
        Assert.Equal(Pong, ExecPing());
        Assert.Equal(0, _s.Server.Transactions.WatchedKeyCount);
    }

    [Fact]
    public void OnlyRealChangesInvalidate()
    {
        A("set", "x", "1");
        A("watch", "x");
        B("set", "x", "1");                                        // same value: still a write
        Assert.Equal(Aborted, ExecPing());

        A("watch", "nokey");
        B("del", "nokey");                                         // nothing deleted
        Assert.Equal(Pong, ExecPing());
        A("watch", "x");
        B("persist", "x");                                         // no TTL to remove
        Assert.Equal(Pong, ExecPing());
        A("watch", "x");
        B("expire", "x", "100");
        Assert.Equal(Aborted, ExecPing());

        A("watch", "x");                                           // the watcher's own write counts
        A("set", "x", "2");
        Assert.Equal(Aborted, ExecPing());
        A("watch", "x");                                           // ... but not its writes inside the transaction
        A("multi");
        A("set", "x", "3");
        Assert.Equal("*1\r\n+OK\r\n", A("exec"));
        Assert.Equal(Pong, ExecPing());
    }

    [Fact]
    public void WatchRemembersTheDatabase()
    {
        A("select", "1");
        A("watch", "x");
        A("select", "0");
        B("set", "x", "1");
        Assert.Equal(Pong, ExecPing());
        A("select", "1");
        A("watch", "x", "x");
        A("select", "0");
        B("select", "1");
        B("set", "x", "1");
        Assert.Equal(Aborted, ExecPing());
    }

    [Fact]
    public void HyperLogLogCountCachingInvalidates()
    {
        A("pfadd", "h", "a");
        A("watch", "h");
        B("pfcount", "h");                                         // writes the cached cardinality
        Assert.Equal(Aborted, ExecPing());
        A("watch", "h");
        B("pfcount", "h");                                         // already cached
        B("pfadd", "h", "a");                                      // no register changed
        Assert.Equal(Pong, ExecPing());
    }

    [Fact]
    public void WatchedKeyThatExpires()
    {
        // Live when watched, expired at EXEC: fails even though nothing deleted it.
        A("set", "x", "1", "px", "100");
        A("watch", "x");
        _s.AdvanceTime(200);
        Assert.Equal(Aborted, ExecPing());

        // Live when watched, then deleted by a lookup once expired: fails.
        A("set", "x", "1", "px", "100");
        A("watch", "x");
        _s.AdvanceTime(200);
        Assert.Equal("$-1\r\n", A("get", "x"));
        Assert.Equal(Aborted, ExecPing());

        // Already expired when watched: still expired at EXEC is no change.
        A("set", "x", "1", "px", "10");
        _s.AdvanceTime(50);
        A("watch", "x");
        Assert.Equal(Pong, ExecPing());

        // ... nor is its deletion by another client's lookup, or a DEL that finds nothing.
        A("set", "x", "1", "px", "10");
        _s.AdvanceTime(50);
        A("watch", "x");
        Assert.Equal("$-1\r\n", B("get", "x"));
        Assert.Equal(":0\r\n", B("del", "x"));
        Assert.Equal(Pong, ExecPing());

        // ... but writing it again is.
        A("set", "x", "1", "px", "10");
        _s.AdvanceTime(50);
        A("watch", "x");
        B("set", "x", "2");
        Assert.Equal(Aborted, ExecPing());

        // Two stale keys: deleting either changes nothing.
        A("set", "k1", "1", "px", "10");
        A("set", "k2", "1", "px", "10");
        _s.AdvanceTime(50);
        A("watch", "k1", "k2");
        B("get", "k2");
        B("get", "k1");
        Assert.Equal(Pong, ExecPing());
    }

    [Fact]
    public void FlushesTouchOnlyExistingKeys()
    {
        A("watch", "x");
        B("flushall");                                             // x did not exist: no change
        Assert.Equal(Pong, ExecPing());
        A("set", "x", "1");
        A("watch", "x");
        B("flushall");
        Assert.Equal(Aborted, ExecPing());
        A("set", "x", "1");
        A("watch", "x");
        B("flushdb");
        Assert.Equal(Aborted, ExecPing());
        A("set", "x", "1");
        A("watch", "x");
        B("select", "1");
        B("flushdb");                                              // another database
        B("select", "0");
        Assert.Equal(Pong, ExecPing());

        // A stale watched key emptied away is no change.
        A("set", "k1", "1", "px", "10");
        A("set", "k2", "1", "px", "10");
        _s.AdvanceTime(50);
        A("watch", "k1", "k2");
        B("flushall");
        Assert.Equal(Pong, ExecPing());
    }

    [Fact]
    public void SwapDbTouchesWhatChangesLogically()
    {
        A("set", "x", "1");
        A("watch", "x");
        B("swapdb", "0", "1");                                     // x goes away
        Assert.Equal(Aborted, ExecPing());

        A("flushall");
        A("watch", "x");
        B("swapdb", "0", "1");                                     // missing on both sides
        Assert.Equal(Pong, ExecPing());

        A("flushall");
        A("select", "1");
        A("set", "x", "1");
        A("select", "0");
        A("watch", "x");
        B("swapdb", "0", "1");                                     // x appears
        Assert.Equal(Aborted, ExecPing());

        A("flushall");
        A("select", "1");
        A("set", "x", "1", "px", "10");
        A("select", "0");
        A("watch", "x");
        _s.AdvanceTime(50);
        B("swapdb", "0", "1");                                     // missing replaced with stale
        Assert.Equal(Pong, ExecPing());

        A("flushall");
        A("set", "x", "1", "px", "10");
        A("select", "1");
        A("set", "x", "1", "px", "10");
        A("select", "0");
        _s.AdvanceTime(50);
        A("watch", "x");
        B("swapdb", "0", "1");                                     // stale replaced with stale
        Assert.Equal(Pong, ExecPing());
    }

    [Fact]
    public void ClientListShowsTheTransaction()
    {
        var clients = _s.Server.Clients;
        var a = _s.Client;
        string Fields() => Regex.Match(clients.Describe(a), @"flags=(\S+) .* multi=(\S+) .* multi-mem=(\d+)").Groups is var g
            ? $"{g[1]} {g[2]} {g[3]}" : "";
        Assert.Equal("N -1 0", Fields());
        A("watch", "x");
        Assert.Equal("N -1 0", Fields());
        A("multi");
        Assert.Equal("x 0 0", Fields());
        A("get", "x");
        Assert.Equal("x 1 20", Fields());                          // argument bytes + 8 per argument
        A("set", "k", "v");
        A("mset", "a", "b", "c", "d");
        Assert.Equal("x 3 97", Fields());
        B("set", "x", "1");
        Assert.Equal("xd 3 97", Fields());
        A("get", "x");
        Assert.Equal("xd 3 97", Fields());                         // a doomed transaction stores nothing more
        A("exec");
        Assert.Equal("N -1 0", Fields());
        A("watch", "x");
        B("set", "x", "2");
        Assert.Equal("d -1 0", Fields());
        A("unwatch");
        Assert.Equal("N -1 0", Fields());
    }

    [Fact]
    public void PropagatedOnceWrapped()
    {
        var stream = RecordingConsumer.Attach(_s);
        string R(params string[] argv) => RecordingConsumer.Resp(argv);

        A("multi"); A("set", "a", "1"); A("get", "a"); A("exec");
        Assert.Equal(R("SELECT", "0") + R("set", "a", "1"), stream.Take());          // one write: no MULTI

        A("multi"); A("set", "a", "1"); A("set", "b", "2"); A("exec");
        Assert.Equal(R("MULTI") + R("set", "a", "1") + R("set", "b", "2") + R("EXEC"), stream.Take());

        A("multi"); A("get", "a"); A("del", "nokey"); A("exec");
        A("multi"); A("exec");
        A("multi"); A("foo"); A("set", "x", "1"); A("exec");
        Assert.Equal("", stream.Take());                                              // nothing written

        // SELECT inside: the stream follows, and EXEC needs no SELECT back.
        A("multi"); A("set", "a", "1"); A("select", "1"); A("set", "b", "2"); A("exec");
        Assert.Equal(R("MULTI") + R("set", "a", "1") + R("SELECT", "1") + R("set", "b", "2") + R("EXEC"), stream.Take());

        // Errors at EXEC time are left out; relative expiries are made absolute as usual.
        A("select", "0");
        A("multi"); A("set", "a", "1"); A("hset", "a", "f", "v"); A("expire", "a", "100"); A("exec");
        var text = stream.Take();
        Assert.StartsWith(R("SELECT", "0") + R("MULTI") + R("set", "a", "1") + "*3\r\n$9\r\nPEXPIREAT\r\n", text);
        Assert.EndsWith(R("EXEC"), text);
    }

    [Fact]
    public void StatisticsCountTheQueuedCommandsWhenTheyRun()
    {
        var server = _s.Server;
        var set = server.Commands.Find("set")!;
        var exec = server.Commands.Find("exec")!;
        var incr = server.Commands.Find("incr")!;
        long before = server.Stats.TotalCommandsProcessed;
        A("set", "s", "x");
        A("multi"); A("set", "a", "1"); A("incr", "s");
        Assert.Equal(1, set.Calls);                                // queuing is not running
        Assert.Equal(before + 2, server.Stats.TotalCommandsProcessed);
        A("exec");
        Assert.Equal(2, set.Calls);
        Assert.Equal(1, incr.FailedCalls);
        Assert.Equal(0, exec.FailedCalls);                         // the error was the command's
        Assert.Equal(before + 5, server.Stats.TotalCommandsProcessed);
        A("multi"); A("foo"); A("exec");
        Assert.Equal(1, exec.FailedCalls);
        A("multi"); A("exec", "x");
        Assert.Equal(1, exec.RejectedCalls);
        Assert.Equal(2, server.Stats.ErrorCounts["EXECABORT"]);
    }

    [Fact]
    public void GuardRefusingExecAbortsWithItsReason()
    {
        // A guard (read-only replica...) sees EXEC as a write when a queued command is one.
        _s.Server.Dispatcher.Guards.Add(ctx =>
        {
            if (!ctx.CommandOrQueuedHas(CommandFlags.Write)) return true;
            ctx.Error("READONLY You can't write against a read only replica.");
            return false;
        });
        A("multi");
        Assert.Equal("+QUEUED\r\n", A("get", "a"));
        Assert.Equal("-READONLY You can't write against a read only replica.\r\n", A("set", "a", "1"));
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", A("exec"));

        _s.Server.Dispatcher.Guards.Clear();
        A("multi");
        A("set", "a", "1");
        _s.Server.Dispatcher.Guards.Add(ctx =>
        {
            if (!ctx.CommandOrQueuedHas(CommandFlags.Write)) return true;
            ctx.Error("READONLY You can't write against a read only replica.");
            return false;
        });
        Assert.Equal("-EXECABORT Transaction discarded because of: READONLY You can't write against a read only replica.\r\n", A("exec"));
        Assert.Equal("-ERR EXEC without MULTI\r\n", A("exec"));
        Assert.Equal(1, _s.Server.Stats.ErrorCounts["READONLY"]);   // only the refused SET: EXEC's counts as EXECABORT
        Assert.Equal(2, _s.Server.Stats.ErrorCounts["EXECABORT"]);
    }
}
