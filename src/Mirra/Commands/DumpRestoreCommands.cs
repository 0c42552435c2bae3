using System.Buffers.Binary;
using System.Buffers.Text;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Persistence.Rdb;

namespace Mirra.Commands;

/// <summary>
/// DUMP and RESTORE: a value serialized the way RDB files store it, followed by a footer — the RDB
/// version (2 bytes LE) and the CRC-64 of everything before the CRC (8 bytes LE).
/// </summary>
public static class DumpRestoreCommands
{
    public const string BusyKey = "BUSYKEY Target key name already exists.";
    public const string BadPayload = "ERR DUMP payload version or checksum are wrong";
    public const string BadData = "ERR Bad data format";
    public const string InvalidTtl = "ERR Invalid TTL value, must be >= 0";
    public const string InvalidIdleTime = "ERR Invalid IDLETIME value, must be >= 0";
    public const string InvalidFreq = "ERR Invalid FREQ value, must be >= 0 and <= 255";

    /// <summary>The payload footer: RDB version (2 bytes) and CRC-64 (8 bytes).</summary>
    public const int FooterSize = 10;

    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("dump", 2, "readonly", 1, 1, 1, Dump)
        {
            Since = "2.6.0",
            Acl = "keyspace",
            KeySpecs = "RO access",
            Tips = "nondeterministic_output",
            Complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
            Summary = "Returns the value of a key serialized as RESTORE (and RDB files) read it.",
        });
        t.Add(new CommandSpec("restore", -4, "write denyoom", 1, 1, 1, Restore)
        {
            Since = "2.6.0",
            Acl = "keyspace dangerous",
            KeySpecs = "OW update",
            Complexity = "O(1) to create the key plus O(N*M) to rebuild a value of N elements of average size M (O(N*M*log(N)) for sorted sets)",
            Summary = "Creates a key from a value serialized by DUMP, optionally with a time to live.",
        });
    }

    static void Dump(CommandContext ctx)
    {
        var entry = ctx.LookupRead(ctx.Arg(1));
        if (entry == null) { ctx.Reply.Null(); return; }
        ctx.Reply.Bulk(DumpPayload.Create(entry.Value, ctx.Server.Config.RdbCompression));
    }

    /// <summary>
    /// Redis's verifyDumpPayload: a footer is there, its RDB version is one this server writes or older,
    /// and the CRC-64 matches (a zero CRC is not special here, unlike in RDB files).
    /// </summary>
    public static bool VerifyPayload(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < FooterSize) return false;
        var footer = payload[^FooterSize..];
        int version = BinaryPrimitives.ReadUInt16LittleEndian(footer);
        if (version > RdbConstants.Version) return false;
        ulong crc = Crc64.Compute(payload[..^8]);
        return crc == BinaryPrimitives.ReadUInt64LittleEndian(footer[2..]);
    }

    /// <summary>
    /// Decodes the value of a verified payload (its type byte and serialized value; trailing bytes are
    /// ignored, as Redis does). Null when it is not a value Mirra can load, empty aggregates included.
    /// </summary>
    public static object? DecodePayload(byte[] payload, ServerConfig config)
    {
        try
        {
            var input = new RdbInput(payload, 0, payload.Length);
            int type = input.ReadByte();
            if (!RdbValueReader.IsValueType(type)) return null;
            return new RdbValueReader(input, config).Read(type);
        }
        catch (RdbFormatException)
        {
            return null;
        }
    }

    /// <summary>RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]</summary>
    static void Restore(CommandContext ctx)
    {
        bool replace = false, absTtl = false;
        long idle = -1, freq = -1;
        for (int j = 4; j < ctx.ArgCount; j++)
        {
            int additional = ctx.ArgCount - j - 1;
            if (ctx.ArgIs(j, "replace"u8)) replace = true;
            else if (ctx.ArgIs(j, "absttl"u8)) absTtl = true;
            else if (ctx.ArgIs(j, "idletime"u8) && additional >= 1 && freq == -1)
            {
                if (!ctx.TryGetLong(j + 1, out idle)) return;
                if (idle < 0) { ctx.Error(InvalidIdleTime); return; }
                j++;
            }
            else if (ctx.ArgIs(j, "freq"u8) && additional >= 1 && idle == -1)
            {
                if (!ctx.TryGetLong(j + 1, out freq)) return;
                if (freq < 0 || freq > 255) { ctx.Error(InvalidFreq); return; }
                j++;
            }
            else { ctx.SyntaxError(); return; }
        }

        var key = ctx.Arg(1);
        if (!replace && ctx.LookupWrite(key) != null) { ctx.Error(BusyKey); return; }
        if (!ctx.TryGetLong(2, out long ttl)) return;
        if (ttl < 0) { ctx.Error(InvalidTtl); return; }
        if (!VerifyPayload(ctx.Arg(3))) { ctx.Error(BadPayload); return; }
        var value = DecodePayload(ctx.ArgBytes(3), ctx.Server.Config);
        if (value == null) { ctx.Error(BadData); return; }

        var db = ctx.Db;
        bool deleted = replace && db.Delete(key);
        // Redis adds the current time without an overflow check: a huge TTL wraps into the past.
        if (ttl != 0 && !absTtl) ttl = unchecked(ttl + ctx.NowMs);
        if (ttl != 0 && ttl <= ctx.NowMs && !ctx.Server.IsReplica)
        {
            // Already expired: the key is not created (and a replaced one is just deleted).
            if (deleted)
            {
                ctx.Propagate("DEL"u8.ToArray(), ctx.ArgBytes(1));
                ctx.Notify(KeyspaceEvents.Generic, "del", key);
                ctx.Dirty();
            }
            ctx.Reply.Ok();
            return;
        }

        var entry = db.Add(ctx.ArgBytes(1), value, ttl != 0 ? ttl : -1);
        if (ttl != 0 && !absTtl)
        {
            // Replicated with the absolute expiry time: the TTL argument replaced, ABSTTL appended.
            var argv = new byte[ctx.ArgCount + 1][];
            for (int i = 0; i < ctx.ArgCount; i++) argv[i] = i == 2 ? FormatLong(ttl) : ctx.ArgBytes(i);
            argv[^1] = "ABSTTL"u8.ToArray();
            ctx.Propagate(argv);
        }
        // Mirra keeps no LFU counter, so FREQ is accepted and has no effect; IDLETIME sets the access time
        // unless an LFU policy is in force (as Redis's objectSetLRUOrLFU).
        bool lfu = ctx.Server.Config.MaxMemoryPolicy is MaxMemoryPolicy.VolatileLfu or MaxMemoryPolicy.AllKeysLfu;
        if (idle >= 0 && !lfu) entry.LastAccess = RdbLoader.LastAccessFor(ctx.Keyspace.LruClock, idle);
        ctx.Notify(KeyspaceEvents.Generic, "restore", key);
        ctx.Reply.Ok();
        ctx.Dirty();
    }

    static byte[] FormatLong(long v)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(v, digits, out int n);
        return digits[..n].ToArray();
    }
}
