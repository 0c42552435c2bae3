using System.Text;
using Mirra.Protocol;
using Mirra.Storage;

namespace Mirra.Engine;

/// <summary>
/// What a command handler sees: its arguments (slices of the receive buffer, or an array for
/// internal callers), the client, the database and the reply writer, plus helpers that give
/// Redis's exact errors. One instance is reused for every command on the executor thread.
/// </summary>
public sealed class CommandContext
{
    public readonly Server Server;
    public Client Client = null!;
    public CommandSpec Command = null!;
    public RespWriter Reply = null!;

    byte[]? _buffer;
    ArgRange[]? _ranges;
    int _first;
    byte[][]? _argv;

    public int ArgCount { get; private set; }
    /// <summary>Set when the handler replied with an error (counted as a failed call).</summary>
    public bool Failed;

    public CommandContext(Server server) => Server = server;

    public Database Db => Client.Db;
    public Keyspace Keyspace => Server.Keyspace;
    public long NowMs => Server.Keyspace.NowMs;

    internal void SetArgs(byte[] buffer, ArgRange[] ranges, int first, int count)
    {
        _buffer = buffer;
        _ranges = ranges;
        _first = first;
        _argv = null;
        ArgCount = count;
    }

    internal void SetArgs(byte[][] argv)
    {
        _argv = argv;
        _buffer = null;
        _ranges = null;
        ArgCount = argv.Length;
    }

    public ReadOnlySpan<byte> Arg(int i)
    {
        if (_argv != null) return _argv[i];
        var r = _ranges![_first + i];
        return new ReadOnlySpan<byte>(_buffer, r.Offset, r.Length);
    }

    /// <summary>A private copy of an argument (to store as a key or value).</summary>
    public byte[] ArgBytes(int i) => Arg(i).ToArray();

    public string ArgString(int i) => Encoding.UTF8.GetString(Arg(i));

    /// <summary>All arguments copied (MULTI queueing, propagation of the command as is).</summary>
    public byte[][] CopyArgs()
    {
        var a = new byte[ArgCount][];
        for (int i = 0; i < a.Length; i++) a[i] = ArgBytes(i);
        return a;
    }

    /// <summary>Case-insensitive comparison of an argument with a lowercase ASCII keyword.</summary>
    public bool ArgIs(int i, ReadOnlySpan<byte> lowerKeyword)
    {
        var a = Arg(i);
        if (a.Length != lowerKeyword.Length) return false;
        for (int k = 0; k < a.Length; k++)
        {
            byte b = a[k];
            if (b >= 'A' && b <= 'Z') b |= 0x20;
            if (b != lowerKeyword[k]) return false;
        }
        return true;
    }

    // ---- Argument parsing with Redis's error replies ----

    public bool TryGetLong(int i, out long value, string error = Errors.NotInteger)
    {
        if (Util.Numbers.TryParseStrictLong(Arg(i), out value)) return true;
        Error(error);
        return false;
    }

    public bool TryGetInt(int i, out int value, string error = Errors.NotInteger)
    {
        value = 0;
        if (!TryGetLong(i, out long v, error)) return false;
        if (v < int.MinValue || v > int.MaxValue) { Error(error); return false; }
        value = (int)v;
        return true;
    }

    public bool TryGetDouble(int i, out double value, string error = Errors.NotFloat)
    {
        if (Util.Numbers.TryParseDouble(Arg(i), out value)) return true;
        Error(error);
        return false;
    }

    /// <summary>
    /// Redis's is_write_command &amp; co.: true when the command has one of the flags or, for EXEC, one of
    /// the queued commands has it (so a guard refusing writes also refuses an EXEC of writes).
    /// </summary>
    public bool CommandOrQueuedHas(CommandFlags flags) =>
        Command.Has(flags) || (Command.Name == "exec" && Client.Transaction != null && (Client.Transaction.QueuedFlags & flags) != 0);

    /// <summary>Redis's is_denystale_command &amp; co.: the command lacks the flag or, for EXEC, a queued command lacks it.</summary>
    public bool CommandOrQueuedLacks(CommandFlags flag) =>
        !Command.Has(flag) || (Command.Name == "exec" && Client.Transaction != null && (Client.Transaction.QueuedMissingFlags & flag) != 0);

    // ---- Key lookups that count keyspace hits and misses ----

    /// <summary>Looks a key up for reading (Redis's lookupKeyRead): expires it if due, counts hit or miss.</summary>
    public KeyEntry? LookupRead(ReadOnlySpan<byte> key)
    {
        var e = Db.Lookup(key);
        if (e == null) KeyMiss(key); else Server.Stats.KeyspaceHits++;
        return e;
    }

    /// <summary>Counts a keyspace miss of a read lookup and announces it (keyspace event "keymiss", class m).</summary>
    public void KeyMiss(ReadOnlySpan<byte> key)
    {
        Server.Stats.KeyspaceMisses++;
        Notify(Config.KeyspaceEvents.KeyMiss, "keymiss", key);
    }

    /// <summary>Looks a key up for writing (no hit/miss accounting, like lookupKeyWrite).</summary>
    public KeyEntry? LookupWrite(ReadOnlySpan<byte> key) => Db.Lookup(key);

    // ---- Replies ----

    /// <summary>Replies an error ("ERR message" style, without the leading '-') and counts it.</summary>
    public void Error(string message)
    {
        Failed = true;
        Server.Stats.CountError(message);
        Reply.Error(message);
    }

    public void WrongType() => Error(Errors.WrongType);
    public void SyntaxError() => Error(Errors.Syntax);

    // ---- Effects ----

    /// <summary>Counts changes for rdb_changes_since_last_save (Redis's server.dirty).</summary>
    public void Dirty(long changes = 1) => Server.Dirty += changes;

    /// <summary>
    /// States what this command did, for replicas and the AOF: the command is replicated as it was
    /// received unless the handler calls <see cref="Propagate(byte[][])"/> with its effect instead.
    /// </summary>
    public void Propagate(params byte[][] effect) => Server.Propagation.Add(Db.Index, effect);

    /// <summary>Announces a keyspace event for a key of the current database (e.g. Notify(KeyspaceEvents.String, "set", key)).</summary>
    public void Notify(Config.KeyspaceEvents type, string eventName, ReadOnlySpan<byte> key) =>
        Server.Notifications.Notify(type, eventName, key, Db.Index);

    /// <summary>Propagates the command exactly as received.</summary>
    public void PropagateAsIs() => Server.Propagation.Add(Db.Index, CopyArgs());
}

/// <summary>Redis's error texts, shared by every command family.</summary>
public static class Errors
{
    public const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public const string Syntax = "ERR syntax error";
    public const string NotInteger = "ERR value is not an integer or out of range";
    public const string NotFloat = "ERR value is not a valid float";
    public const string NoSuchKey = "ERR no such key";
    public const string OutOfRange = "ERR index out of range";
    public const string DbIndexOutOfRange = "ERR DB index is out of range";
    public const string Overflow = "ERR increment or decrement would overflow";
    public const string NoAuth = "NOAUTH Authentication required.";
    public const string ReadOnlyReplica = "READONLY You can't write against a read only replica.";
    public const string InvalidExpire = "ERR invalid expire time in '{0}' command";

    public static string WrongArgs(string fullName) => $"ERR wrong number of arguments for '{fullName}' command";
}
