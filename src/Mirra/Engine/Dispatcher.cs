using System.Diagnostics;
using System.Text;
using Mirra.Networking;
using Mirra.Storage;

namespace Mirra.Engine;

/// <summary>
/// Runs a client's queued commands on the executor: Redis's processCommand checks (lookup,
/// arity, authentication...) in Redis's order with Redis's errors, then the call itself with its
/// statistics, slow log and propagation.
/// </summary>
public sealed class Dispatcher
{
    /// <summary>Commands one client may run before the executor moves on to the next client.</summary>
    const int FairnessBudget = 512;

    readonly Server _server;
    readonly CommandContext _ctx;
    /// <summary>Monotonic timestamp of the command being dispatched (its duration and its wall-clock time).</summary>
    long _commandStart;

    public Dispatcher(Server server)
    {
        _server = server;
        _ctx = new CommandContext(server);
    }

    /// <summary>Checks run before a command (read-only replica, MULTI queueing...): returns false when it must not run.</summary>
    public readonly List<Func<CommandContext, bool>> Guards = new();

    public void RunClient(Client client)
    {
        var executor = _server.Executor;
        int budget = FairnessBudget;
        var batch = client.CurrentBatch;
        while (batch != null && budget > 0 && !client.IsPaused && !client.Closed && !client.Is(ClientFlags.CloseAfterReply | ClientFlags.CloseAsap))
        {
            while (batch.Next < batch.CommandCount && budget > 0 && !client.IsPaused && !client.Closed && !client.Is(ClientFlags.CloseAfterReply | ClientFlags.CloseAsap))
            {
                int i = batch.Next++;
                _ctx.SetArgs(batch.Buffer, batch.Args, batch.CommandStarts[i], batch.ArgCountOf(i));
                if (!Execute(client, canPostpone: true)) batch.Next--; // postponed (CLIENT PAUSE): runs again on resume
                budget--;
            }
            if (batch.Next < batch.CommandCount) break;
            if (batch.ProtocolError != null && !client.Closed)
            {
                _server.Stats.CountError("ERR");
                client.Reply.Error("ERR " + batch.ProtocolError);
                client.Flags |= ClientFlags.CloseAfterReply;
                _server.Log.Verbose("Protocol error " + string.Format(batch.ProtocolErrorLog ?? "({0})", _server.Clients.Describe(client)));
            }
            client.FinishBatch();
            batch = client.CurrentBatch;
        }
        // Like Redis, nothing more is read from a client that is to be closed (QUIT, CLIENT KILL of itself).
        if (client.Is(ClientFlags.CloseAfterReply) && client.CurrentBatch != null) client.DiscardInbox();
        if (client.PeerClosed && client.CurrentBatch == null)
        {
            _server.Clients.OnDisconnected(client);
            return;
        }
        // client-output-buffer-limit of the client's class (subscribers and replicas are also checked as their output grows).
        _server.OutputBufferLimits.Check(client);
        executor.NeedFlush(client);
        client.FinishRun(executor);
    }

    /// <summary>Runs one command for an internal caller (replication link, AOF loading, tests): never postponed by CLIENT PAUSE.</summary>
    public void ExecuteArgv(Client client, byte[][] argv)
    {
        _ctx.SetArgs(argv);
        Execute(client, canPostpone: false);
    }

    /// <summary>Runs command <paramref name="index"/> of a batch for an internal client that reads its own connection (the link to our master).</summary>
    public void ExecuteBatchCommand(Client client, CommandBatch batch, int index)
    {
        _ctx.SetArgs(batch.Buffer, batch.Args, batch.CommandStarts[index], batch.ArgCountOf(index));
        Execute(client, canPostpone: false);
    }

    /// <summary>Processes one command; false when CLIENT PAUSE postponed it (it must run again later).</summary>
    bool Execute(Client client, bool canPostpone)
    {
        var ctx = _ctx;
        var server = _server;
        _commandStart = Stopwatch.GetTimestamp();
        server.Keyspace.NowMs = server.Clock.NowMs(_commandStart);
        ctx.Client = client;
        ctx.Reply = client.Reply;
        ctx.Failed = false;
        if (ctx.ArgCount == 0) return true;
        int replyMark = client.Reply.Length;
        if (!Process(ctx, client, canPostpone)) return false;

        // CLIENT REPLY OFF|SKIP: what this command wrote is dropped (errors too); SKIP lasts one command.
        if (client.ReplyMode is ReplyMode.Off or ReplyMode.Skip) client.Reply.Truncate(replyMark);
        if (client.ReplyMode == ReplyMode.Skip) client.ReplyMode = ReplyMode.On;
        else if (client.ReplyMode == ReplyMode.SkipNext) client.ReplyMode = ReplyMode.Skip;
        // Clients blocked on keys this command (or transaction) wrote are served right after it.
        if (server.Blocking.HasReadyKeys) server.Blocking.HandleReadyKeys();
        return true;
    }

    bool Process(CommandContext ctx, Client client, bool canPostpone)
    {
        var server = _server;
        client.LastInteractionMs = server.Keyspace.NowMs;
        var command = server.Commands.Find(ctx.Arg(0));
        if (command == null)
        {
            client.LastCommand = "NULL";
            Reject(ctx, null, UnknownCommand(ctx));
            return true;
        }
        if (command.Subcommands != null && ctx.ArgCount >= 2)
        {
            var sub = command.Subcommands.GetValueOrDefault(Encoding.UTF8.GetString(ctx.Arg(1)));
            if (sub == null)
            {
                client.LastCommand = "NULL";
                Reject(ctx, command, $"ERR unknown subcommand '{Truncate(ctx.Arg(1), 128)}'. Try {command.Name.ToUpperInvariant()} HELP.");
                return true;
            }
            command = sub;
        }
        ctx.Command = command;
        client.LastCommand = command.FullName;
        if ((command.Arity > 0 && ctx.ArgCount != command.Arity) || ctx.ArgCount < -command.Arity)
        {
            Reject(ctx, command, Errors.WrongArgs(command.FullName));
            return true;
        }
        if (command.Has(CommandFlags.Protected) && !ProtectedAllowed(client, command))
        {
            bool debug = command.Name != "module";
            Reject(ctx, command, $"ERR {(debug ? "DEBUG" : "MODULE")} command not allowed. If the {(debug ? "enable-debug-command" : "enable-module-command")} option is set to \"local\", " +
                "you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.");
            return true;
        }
        if (!client.Authenticated && !command.Has(CommandFlags.NoAuth) && server.AuthRequired)
        {
            Reject(ctx, command, Errors.NoAuth);
            return true;
        }
        // MULTI: commands flagged no_multi are refused while queuing (and doom the transaction).
        if (command.Has(CommandFlags.NoMulti) && client.Is(ClientFlags.Multi))
        {
            Reject(ctx, command, Transactions.NotAllowedInMulti);
            return true;
        }
        // Pub/Sub: a RESP2 client with subscriptions may only (un)subscribe, PING, QUIT and RESET (RESP3 has no limit).
        if (client.Is(ClientFlags.PubSub) && client.Protocol == 2 && !Mirra.Commands.PubSubCommands.AllowedWhileSubscribed(command))
        {
            Reject(ctx, command, Mirra.Commands.PubSubCommands.SubscribedContextError(command));
            return true;
        }
        // A failed save (stop-writes-on-bgsave-error) stops writes, and PING, on a master.
        if (!server.IsReplica && !client.Is(ClientFlags.Master) &&
            (ctx.CommandOrQueuedHas(CommandFlags.Write) || command.Name == "ping") && server.Rdb.WriteDenial() is { } misconf)
        {
            Reject(ctx, command, misconf);
            return true;
        }
        int guardMark = client.Reply.Length;
        foreach (var guard in Guards)
            if (!guard(ctx))
            {
                command.RejectedCalls++;
                server.Transactions.GuardRejected(ctx, client, command, guardMark); // MULTI: dooms the transaction
                return true;
            }
        // While a data set loads, only commands flagged "loading" run (INFO, CONFIG...). As in Redis, after
        // the MISCONF, READONLY and MASTERDOWN checks.
        if (server.Loading.Active && !command.Has(CommandFlags.Loading))
        {
            Reject(ctx, command, Persistence.LoadingState.Reply);
            return true;
        }

        // Replicas (and monitors, which Redis flags as replicas) must not touch the keyspace: they are never paused.
        // For EXEC, the queued commands' flags count too (Redis's mstate.cmd_flags).
        var clients = server.Clients;
        if (client.Is(ClientFlags.Replica) && ctx.CommandOrQueuedHas(CommandFlags.Write | CommandFlags.ReadOnly | CommandFlags.MayReplicate))
        {
            Reject(ctx, command, "ERR Replica can't interact with the keyspace");
            return true;
        }
        if (canPostpone && clients.PauseType != PauseType.None &&
            clients.MustPostpone(client, command, ctx.CommandOrQueuedHas(CommandFlags.Write | CommandFlags.MayReplicate)))
        {
            clients.Postpone(client);
            return false;
        }

        // MULTI: everything but the transaction commands themselves is queued for EXEC.
        if (client.Is(ClientFlags.Multi) && !IsRunInsideMulti(command))
        {
            server.Transactions.Queue(ctx, client, command);
            return true;
        }

        Call(ctx, client, command);
        return true;
    }

    /// <summary>Runs an accepted command (also used by EXEC for queued commands).</summary>
    public void Call(CommandContext ctx, Client client, CommandSpec command)
    {
        var server = _server;
        long dirtyBefore = server.Dirty;
        long offsetBefore = server.Replication.Offset;
        server.Propagation.BeginCommand();
        // The timestamp taken when the command arrived, unless this is a nested call (EXEC).
        long start = _commandStart != 0 ? _commandStart : Stopwatch.GetTimestamp();
        _commandStart = 0;

        command.Handler!(ctx);

        long micros = (Stopwatch.GetTimestamp() - start) * 1_000_000 / Stopwatch.Frequency;
        command.Calls++;
        command.Microseconds += micros;
        if (server.Config.LatencyTracking) (command.Latency ??= new()).RecordMicros(micros);
        if (ctx.Failed) command.FailedCalls++;
        server.Stats.TotalCommandsProcessed++;

        if (server.Dirty != dirtyBefore && !server.Propagation.ExplicitEffects && server.Propagation.Active)
            server.Propagation.AddAsReceived(client.Db.Index, ctx);
        server.Propagation.EndCommand();
        if (server.Replication.Offset != offsetBefore) client.WaitOffset = server.Replication.Offset; // WAIT waits for this

        if (!command.Has(CommandFlags.SkipSlowlog)) server.SlowLog.Record(ctx, micros);
        server.Latency.Observe(command.Has(CommandFlags.Fast) ? "fast-command" : "command", micros / 1000);

        if (server.Clients.Monitors.Count > 0 && !command.Has(CommandFlags.SkipMonitor | CommandFlags.Admin))
            Mirra.Commands.MonitorCommands.Feed(ctx);
    }

    /// <summary>enable-debug-command / enable-module-command: "yes", "local" (unix socket or loopback; internal clients too) or "no".</summary>
    bool ProtectedAllowed(Client client, CommandSpec command)
    {
        string setting = command.Name == "module" ? _server.Config.EnableModuleCommand : _server.Config.EnableDebugCommand;
        if (setting == "yes") return true;
        if (setting != "local") return false;
        var t = client.Transport;
        if (t == null || t.IsUnixSocket) return true;
        string addr = t.RemoteAddress;
        return addr.StartsWith("127.0.0.1:", StringComparison.Ordinal) || addr.StartsWith("[::1]:", StringComparison.Ordinal);
    }

    /// <summary>The commands Redis runs at once inside MULTI instead of queuing them.</summary>
    static bool IsRunInsideMulti(CommandSpec command) => command.Parent == null &&
        command.Name is "exec" or "discard" or "multi" or "watch" or "quit" or "reset";

    void Reject(CommandContext ctx, CommandSpec? command, string error)
    {
        if (command != null) command.RejectedCalls++;
        // MULTI: a refused command dooms the transaction; a refused EXEC discards it (EXECABORT).
        if (ctx.Client.Is(ClientFlags.Multi)) error = _server.Transactions.Rejected(ctx, command, error);
        ctx.Error(error);
    }

    /// <summary>Redis's text: unknown command 'x', with args beginning with: 'a' 'b' (each argument quoted, 128 bytes at most).</summary>
    static string UnknownCommand(CommandContext ctx)
    {
        var args = new StringBuilder();
        for (int i = 1; i < ctx.ArgCount && args.Length < 128; i++)
            args.Append('\'').Append(Truncate(ctx.Arg(i), 128 - args.Length)).Append("' ");
        return $"ERR unknown command '{Truncate(ctx.Arg(0), 128)}', with args beginning with: {args}";
    }

    static string Truncate(ReadOnlySpan<byte> s, int max) => Encoding.UTF8.GetString(s.Length > max ? s[..max] : s);
}
