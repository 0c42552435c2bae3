using System.Buffers.Text;
using Mirra.Protocol;

namespace Mirra.Replication;

/// <summary>Where an effect goes (Redis's PROPAGATE_AOF / PROPAGATE_REPL).</summary>
[Flags]
public enum PropagationTargets
{
    None = 0,
    /// <summary>The append-only file.</summary>
    Aof = 1,
    /// <summary>The replication stream (backlog and replicas).</summary>
    Replicas = 2,
    All = Aof | Replicas,
}

/// <summary>
/// The one place commands state their effects for replicas and the AOF (Redis's propagate /
/// alsoPropagate). A command's effects are collected while it runs and emitted after it, as RESP,
/// with a SELECT when the database changes and MULTI/EXEC around several effects of one command.
/// Nothing is encoded while nobody consumes the stream, so a standalone master pays nothing,
/// and, as in Redis, the replication offset only moves once a backlog exists.
/// Each target keeps its own selected database (Redis's slaveseldb and aof_selected_db): an effect
/// sent to replicas only (PUBLISH) must not leave the AOF without its SELECT.
/// </summary>
public sealed class Propagation
{
    readonly List<(int Db, byte[][] Argv, PropagationTargets Targets)> _pending = new();
    /// <summary>The database the stream of each target last selected (-1: none yet).</summary>
    int _replicasDb = -1, _aofDb = -1;
    /// <summary>True between BeginCommand and the EndCommand that emits its effects.</summary>
    bool _inCommand;
    /// <summary>The command to emit as received (its arguments read from the client's request, not copied), or null.</summary>
    Engine.CommandContext? _asReceived;
    int _asReceivedDb;
    /// <summary>Where commands are encoded before the consumers copy them: one buffer, so the feed allocates nothing.</summary>
    byte[] _scratch = new byte[4096];
    bool _scratchInUse;

    /// <summary>Consumers of the encoded stream (the backlog and replicas, the AOF). Empty = no work.</summary>
    public readonly List<IStreamConsumer> Consumers = new();

    /// <summary>True when the running command stated its effects itself (so it is not propagated as received).</summary>
    public bool ExplicitEffects { get; private set; }

    public bool Active => Consumers.Count > 0;

    /// <summary>The database the replication stream last selected (Redis's slaveseldb), -1 when the next effect must SELECT.</summary>
    public int ReplicasSelectedDb => _replicasDb;
    /// <summary>
    /// Set while this server is a replica: its replicas receive its master's stream as received
    /// (<see cref="ReplicationState.Feed"/>), never what its own commands propagate (the AOF still does).
    /// </summary>
    public bool ReplicaMode;

    public void Add(int db, byte[][] argv) => Add(db, argv, PropagationTargets.All);

    /// <summary>States an effect for some targets only (PUBLISH goes to replicas, never to the AOF).</summary>
    public void Add(int db, byte[][] argv, PropagationTargets targets)
    {
        ExplicitEffects = true;
        if (Active) _pending.Add((db, argv, targets));
    }

    /// <summary>
    /// The running command goes out as received (it changed data and stated no effects of its own). Its arguments
    /// are encoded straight from the request at EndCommand; only when other effects are already pending, or EXEC
    /// holds them, are they copied.
    /// </summary>
    public void AddAsReceived(int db, Engine.CommandContext ctx)
    {
        if (!Active) return;
        if (_holding || _pending.Count > 0)
        {
            Add(db, ctx.CopyArgs());
            return;
        }
        ExplicitEffects = true;
        _asReceived = ctx;
        _asReceivedDb = db;
    }

    /// <summary>
    /// Redis's propagateDeletion: a key deleted because it expired becomes DEL (UNLINK with
    /// lazyfree-lazy-expire) for replicas and the AOF. Inside a command it joins the command's effects
    /// (before them, and wrapped in MULTI/EXEC with them) without replacing the command's own
    /// propagation; outside (active expiry) it goes out at once, alone.
    /// </summary>
    public void AddExpiredDeletion(int db, byte[] key, bool lazy)
    {
        if (!Active) return;
        _pending.Add((db, new[] { lazy ? "UNLINK"u8.ToArray() : "DEL"u8.ToArray(), key }, PropagationTargets.All));
        if (!_inCommand) EndCommand();
    }

    /// <summary>Starts a command: forgets the previous command's explicit flag.</summary>
    public void BeginCommand()
    {
        ExplicitEffects = false;
        _inCommand = true;
    }

    /// <summary>True while EXEC runs its queued commands: their effects are held until EXEC ends.</summary>
    bool _holding;

    /// <summary>
    /// EXEC: the effects of the commands it runs are held and emitted together when EXEC ends, wrapped in
    /// MULTI/EXEC when there are several (one write alone goes out bare, a read-only transaction emits nothing).
    /// </summary>
    public void HoldEffects() => _holding = true;

    /// <summary>True while EXEC runs its queued commands (Redis's server.in_exec).</summary>
    public bool IsHolding => _holding;

    /// <summary>Ends <see cref="HoldEffects"/>: the running command (EXEC) stated its effects through the ones it ran, so it is never propagated itself.</summary>
    public void ReleaseEffects()
    {
        _holding = false;
        ExplicitEffects = true;
    }

    /// <summary>Emits the effects collected for one command.</summary>
    public void EndCommand()
    {
        if (_holding) return;
        _inCommand = false;
        if (_asReceived is { } received)
        {
            _asReceived = null;
            Emit(_asReceivedDb, new ContextArgs(received), PropagationTargets.All);
            return;
        }
        if (_pending.Count == 0) return;
        bool wrap = _pending.Count > 1;
        if (wrap) Emit(_pending[0].Db, new ArrayArgs(Multi), PropagationTargets.All);
        foreach (var (db, argv, targets) in _pending) Emit(db, new ArrayArgs(argv), targets);
        // Like Redis, EXEC carries the last effect's database, so it never brings a SELECT of its own
        // (except to a target that did not receive that last effect).
        if (wrap) Emit(_pending[^1].Db, new ArrayArgs(Exec), PropagationTargets.All);
        _pending.Clear();
    }

    /// <summary>Forces the next effect to be preceded by SELECT (new replica, new AOF file).</summary>
    public void ResetSelectedDb() => ResetSelectedDb(PropagationTargets.All);

    /// <summary>Forces the next effect sent to <paramref name="targets"/> to be preceded by SELECT.</summary>
    public void ResetSelectedDb(PropagationTargets targets)
    {
        if ((targets & PropagationTargets.Replicas) != 0) _replicasDb = -1;
        if ((targets & PropagationTargets.Aof) != 0) _aofDb = -1;
    }

    static readonly byte[][] Multi = ["MULTI"u8.ToArray()], Exec = ["EXEC"u8.ToArray()];

    /// <summary>Writes one command to the consumers of <paramref name="targets"/>, each target's stream preceded by SELECT when <paramref name="db"/> is not its database (-1: any database).</summary>
    void Emit<TArgs>(int db, TArgs argv, PropagationTargets targets) where TArgs : ICommandArgs
    {
        // A consumer that propagates while it consumes (never expected) gets buffers of its own.
        bool reentered = _scratchInUse;
        byte[] buffer = reentered ? new byte[256] : _scratch;
        _scratchInUse = true;
        try
        {
            int length = -1;
            if ((targets & PropagationTargets.Replicas) != 0) EmitTo(PropagationTargets.Replicas, ref _replicasDb, db, argv, ref buffer, ref length);
            if ((targets & PropagationTargets.Aof) != 0) EmitTo(PropagationTargets.Aof, ref _aofDb, db, argv, ref buffer, ref length);
        }
        finally
        {
            if (!reentered)
            {
                _scratch = buffer;
                _scratchInUse = false;
            }
        }
    }

    /// <summary>Writes to one target; <paramref name="length"/> is the command's encoded length in <paramref name="buffer"/> once encoded (-1 before).</summary>
    void EmitTo<TArgs>(PropagationTargets target, ref int selectedDb, int db, TArgs argv, ref byte[] buffer, ref int length)
        where TArgs : ICommandArgs
    {
        if (ReplicaMode && target == PropagationTargets.Replicas) return;
        bool any = false;
        foreach (var c in Consumers)
            if (TargetOf(c) == target) { any = true; break; }
        if (!any) return; // like Redis: a target nobody consumes keeps its selected database
        if (db >= 0 && db != selectedDb)
        {
            Write(target, SelectCommand(db));
            selectedDb = db;
        }
        if (length < 0) length = RespEncoding.EncodeCommand(argv, ref buffer);
        Write(target, buffer.AsSpan(0, length));
    }

    /// <summary>SELECT &lt;db&gt; as RESP, encoded once per database.</summary>
    static byte[] SelectCommand(int db)
    {
        if ((uint)db < (uint)SelectCache.Length) return SelectCache[db] ??= EncodeSelect(db);
        return EncodeSelect(db);
    }

    static readonly byte[]?[] SelectCache = new byte[]?[64];

    static byte[] EncodeSelect(int db)
    {
        Span<byte> digits = stackalloc byte[12];
        Utf8Formatter.TryFormat(db, digits, out int n);
        return RespEncoding.EncodeCommand(new[] { "SELECT"u8.ToArray(), digits[..n].ToArray() });
    }

    /// <summary>A command's arguments read from its context (the client's request), without copies.</summary>
    readonly struct ContextArgs(Engine.CommandContext ctx) : ICommandArgs
    {
        public int Count => ctx.ArgCount;
        public ReadOnlySpan<byte> this[int i] => ctx.Arg(i);
    }

    void Write(PropagationTargets target, ReadOnlySpan<byte> resp)
    {
        foreach (var consumer in Consumers)
            if (TargetOf(consumer) == target) consumer.Append(resp);
    }

    /// <summary>A consumer belongs to the AOF's stream when it takes the AOF alone, to the replication stream otherwise.</summary>
    static PropagationTargets TargetOf(IStreamConsumer c) => c.Targets == PropagationTargets.Aof ? PropagationTargets.Aof : PropagationTargets.Replicas;
}

/// <summary>Something that receives the propagated command stream (backlog, AOF).</summary>
public interface IStreamConsumer
{
    void Append(ReadOnlySpan<byte> resp);

    /// <summary>Which stream this consumer follows: the AOF's (<see cref="PropagationTargets.Aof"/>) or the replication stream (anything else, the default).</summary>
    PropagationTargets Targets => PropagationTargets.Replicas;
}
