using System.Buffers.Text;

namespace Mirra.Replication;

/// <summary>
/// The one place commands state their effects for replicas and the AOF (Redis's propagate /
/// alsoPropagate). A command's effects are collected while it runs and emitted after it, as RESP,
/// with a SELECT when the database changes and MULTI/EXEC around several effects of one command.
/// Nothing is encoded while nobody consumes the stream, so a standalone master pays nothing,
/// and, as in Redis, the replication offset only moves once a backlog exists.
/// </summary>
public sealed class Propagation
{
    readonly List<(int Db, byte[][] Argv)> _pending = new();
    int _streamDb = -1;

    /// <summary>Consumers of the encoded stream (the backlog and replicas, the AOF). Empty = no work.</summary>
    public readonly List<IStreamConsumer> Consumers = new();

    /// <summary>True when the running command stated its effects itself (so it is not propagated as received).</summary>
    public bool ExplicitEffects { get; private set; }

    public bool Active => Consumers.Count > 0;

    public void Add(int db, byte[][] argv)
    {
        ExplicitEffects = true;
        if (Active) _pending.Add((db, argv));
    }

    /// <summary>Starts a command: forgets the previous command's explicit flag.</summary>
    public void BeginCommand() => ExplicitEffects = false;

    /// <summary>True while EXEC runs its queued commands: their effects are held until EXEC ends.</summary>
    bool _holding;

    /// <summary>
    /// EXEC: the effects of the commands it runs are held and emitted together when EXEC ends, wrapped in
    /// MULTI/EXEC when there are several (one write alone goes out bare, a read-only transaction emits nothing).
    /// </summary>
    public void HoldEffects() => _holding = true;

    /// <summary>Ends <see cref="HoldEffects"/>: the running command (EXEC) stated its effects through the ones it ran, so it is never propagated itself.</summary>
    public void ReleaseEffects()
    {
        _holding = false;
        ExplicitEffects = true;
    }

    /// <summary>Emits the effects collected for one command.</summary>
    public void EndCommand()
    {
        if (_pending.Count == 0 || _holding) return;
        bool wrap = _pending.Count > 1;
        if (wrap) Emit(_pending[0].Db, new[] { "MULTI"u8.ToArray() });
        foreach (var (db, argv) in _pending) Emit(db, argv);
        if (wrap) Emit(-1, new[] { "EXEC"u8.ToArray() }); // like Redis: no SELECT back before EXEC
        _pending.Clear();
    }

    /// <summary>Forces the next effect to be preceded by SELECT (new replica, new AOF file).</summary>
    public void ResetSelectedDb() => _streamDb = -1;

    /// <summary>Writes one command, preceded by SELECT when <paramref name="db"/> is not the stream's (-1: any database).</summary>
    void Emit(int db, byte[][] argv)
    {
        if (db >= 0 && db != _streamDb)
        {
            Span<byte> digits = stackalloc byte[12];
            Utf8Formatter.TryFormat(db, digits, out int n);
            Write(new[] { "SELECT"u8.ToArray(), digits[..n].ToArray() });
            _streamDb = db;
        }
        Write(argv);
    }

    void Write(byte[][] argv)
    {
        var bytes = Protocol.RespEncoding.EncodeCommand(argv);
        foreach (var consumer in Consumers) consumer.Append(bytes);
    }
}

/// <summary>Something that receives the propagated command stream (backlog, AOF).</summary>
public interface IStreamConsumer
{
    void Append(ReadOnlySpan<byte> resp);
}
