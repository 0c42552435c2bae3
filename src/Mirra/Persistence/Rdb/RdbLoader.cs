using System.Text;
using Mirra.Config;
using Mirra.Storage;

namespace Mirra.Persistence.Rdb;

/// <summary>How to load an RDB file.</summary>
/// <param name="NowMs">The time keys' expiry is compared with.</param>
/// <param name="SkipExpired">Drop keys whose expiry is already past (a master loading its file; not a replica
/// loading its master's snapshot, nor an AOF preamble, whose tail assumes the keys are there).</param>
/// <param name="VerifyChecksum">Check the CRC-64 after EOF (also requires the rdbchecksum directive).</param>
/// <param name="Progress">Called with the bytes read so far, about every megabyte.</param>
public sealed record RdbLoadOptions(long NowMs, bool SkipExpired, bool VerifyChecksum, Action<long>? Progress = null)
{
    /// <summary>DEBUG RELOAD MERGE: a key already present is replaced instead of being an error.</summary>
    public bool AllowDuplicates { get; init; }
    /// <summary>
    /// Fire the keyspace's write hook (WATCH, snapshots, blocked clients) for each key added: for a load into a
    /// running server (DEBUG RELOAD). A startup load has no observers and leaves it off. Keyspace events are never
    /// raised while loading (Redis raises none either).
    /// </summary>
    public bool AnnounceWrites { get; init; } = true;
}

/// <summary>What a load found besides the keys.</summary>
public sealed class RdbLoadResult
{
    /// <summary>The RDB format version of the file (1 to 11).</summary>
    public int Version;
    /// <summary>Keys added to the keyspace.</summary>
    public long Keys;
    /// <summary>Keys dropped because their expiry was past (only with <see cref="RdbLoadOptions.SkipExpired"/>).</summary>
    public long ExpiredSkipped;
    /// <summary>Keys dropped because their value had no elements (old Redis versions could write such keys; Redis skips them too).</summary>
    public long EmptyKeysSkipped;
    /// <summary>Every AUX field, by name (the last one wins when a name repeats).</summary>
    public Dictionary<string, byte[]> Aux = new(StringComparer.Ordinal);
    /// <summary>"repl-id" when it is a 40-character id, else null.</summary>
    public string? ReplId;
    /// <summary>"repl-offset", or -1.</summary>
    public long ReplOffset = -1;
    /// <summary>"repl-stream-db", or -1.</summary>
    public int ReplStreamDb = -1;
    /// <summary>"aof-base" is set (the file is the base of a multi-part AOF).</summary>
    public bool AofBase;
    /// <summary>"redis-ver": the version of the server that wrote the file.</summary>
    public string? RedisVer;
    /// <summary>"ctime": when the file was created (Unix seconds), or -1.</summary>
    public long CTime = -1;
    /// <summary>Bytes consumed, the 8-byte checksum included: the stream ends (or what follows starts) here.</summary>
    public long BytesRead;
}

/// <summary>
/// Loads an RDB file (versions 1 to 11: Redis 7.2 and older) into a keyspace's databases, through
/// <see cref="Database.AddLoaded"/>. Everything wrong with the data raises <see cref="RdbFormatException"/> with
/// Redis's message where Redis has one (bad version, too many databases, duplicated key, wrong checksum),
/// and nothing else: a caller that gets an exception should consider the keyspace partly loaded.
/// <para>
/// The loader stops right after the checksum (after EOF for versions below 5). With a seekable stream, the
/// stream is left positioned exactly there (the buffer's read-ahead is given back); for other streams,
/// either bound the reads with <see cref="RdbInput"/>'s limit or use the read-ahead in
/// <see cref="RdbInput.Unconsumed"/> afterwards (<see cref="Load(RdbInput, Keyspace, ServerConfig, RdbLoadOptions)"/>).
/// </para>
/// </summary>
public static class RdbLoader
{
    public static RdbLoadResult Load(Stream input, Keyspace keyspace, ServerConfig config, RdbLoadOptions options)
    {
        var reader = new RdbInput(input, computeCrc: options.VerifyChecksum && config.RdbChecksum);
        var result = Load(reader, keyspace, config, options);
        reader.RewindStream();
        return result;
    }

    /// <summary>Loads from a reader the caller made (to bound its reads, or to use its read-ahead afterwards).</summary>
    public static RdbLoadResult Load(RdbInput input, Keyspace keyspace, ServerConfig config, RdbLoadOptions options)
    {
        var result = new RdbLoadResult();
        input.Progress = options.Progress;
        bool verify = options.VerifyChecksum && config.RdbChecksum;

        var header = input.ReadSpan(9);
        if (!header[..5].SequenceEqual("REDIS"u8)) throw new RdbFormatException("Wrong signature trying to load DB from file", 0);
        int version = Atoi(header[5..]);
        if (version < 1 || version > RdbConstants.MaxReadableVersion)
            throw new RdbFormatException($"Can't handle RDB format version {version}", 5);
        result.Version = version;

        var values = new RdbValueReader(input, config);
        var keyDelay = new Util.DebugDelay(); // key-load-delay (tests: a slow load)
        var db = keyspace[0];
        bool lfu = config.MaxMemoryPolicy is MaxMemoryPolicy.VolatileLfu or MaxMemoryPolicy.AllKeysLfu;
        long expireAt = -1, idle = -1;

        while (true)
        {
            long at = input.Position;
            int type = input.ReadByte();
            switch (type)
            {
                case RdbConstants.OpExpireTime:
                    expireAt = input.ReadSecondTime() * 1000;
                    continue;
                case RdbConstants.OpExpireTimeMs:
                    expireAt = input.ReadMillisecondTime();
                    continue;
                case RdbConstants.OpFreq:
                    input.ReadByte(); // LFU counter: Mirra keeps none
                    continue;
                case RdbConstants.OpIdle:
                    ulong seconds = input.ReadLength();
                    idle = seconds > long.MaxValue ? long.MaxValue : (long)seconds;
                    continue;
                case RdbConstants.OpSelectDb:
                    ulong dbid = input.ReadLength();
                    if (dbid >= (ulong)keyspace.Databases.Length)
                        throw new RdbFormatException($"FATAL: Data file was created with a Redis server configured to handle more than {keyspace.Databases.Length} databases. Exiting", at);
                    db = keyspace[(int)dbid];
                    continue;
                case RdbConstants.OpResizeDb:
                    ulong dbSize = input.ReadLength();
                    input.ReadLength(); // keys with an expiry
                    // A hint only: capped, so that a corrupt size cannot allocate much before the data runs out.
                    if (db.Count == 0) db.ExpandForLoad((long)Math.Min(dbSize, ResizeHintLimit));
                    continue;
                case RdbConstants.OpAux:
                    ReadAux(input, result);
                    continue;
                case RdbConstants.OpModuleAux:
                    throw new RdbFormatException($"The RDB file contains AUX module data I can't load: no matching module '{ModuleName(input.ReadLength())}' (Mirra has no modules)", at);
                case RdbConstants.OpFunction:
                case RdbConstants.OpFunction2:
                    throw new RdbFormatException("The RDB file contains Redis functions (libraries), which Mirra does not support", at);
                case RdbConstants.OpEof:
                    break;
                default:
                    var key = input.ReadStringBytes();
                    // Allocated right after its key, before the value: a lookup that walks the chain reads the entry
                    // and compares its key, now in the same cache lines.
                    var entry = new KeyEntry(key, null!);
                    int hash = HashTable<KeyEntry>.HashOf(key);
                    db.Table.Prefetch(hash); // the bucket's cache line arrives while the value is parsed
                    var value = values.Read(type);
                    if (value == null) result.EmptyKeysSkipped++;
                    else if (options.SkipExpired && expireAt != -1 && expireAt < options.NowMs) result.ExpiredSkipped++;
                    else
                    {
                        if (options.AllowDuplicates) db.Delete(key); // DEBUG RELOAD MERGE: the file's value wins
                        entry.Value = value;
                        if (!db.AddLoaded(entry, hash, expireAt, options.AnnounceWrites))
                            throw new RdbFormatException($"RDB has duplicated key '{Encoding.UTF8.GetString(key)}' in DB {db.Index}", at);
                        if (idle >= 0 && !lfu) entry.LastAccess = LastAccessFor(keyspace.LruClock, idle);
                        result.Keys++;
                    }
                    expireAt = idle = -1;
                    if (config.KeyLoadDelay != 0) keyDelay.Key(config.KeyLoadDelay);
                    continue;
            }
            break; // EOF
        }

        if (version >= 5)
        {
            ulong expected = input.Crc;
            ulong stored = input.ReadUInt64();
            if (verify && stored != 0 && stored != expected)
                throw new RdbFormatException($"Wrong RDB checksum expected: ({expected:x}) but got ({stored:x}). Aborting now.", input.Position - 8);
        }
        result.BytesRead = input.Position;
        return result;
    }

    /// <summary>The largest RESIZEDB hint followed (more keys than this grow the table as they come).</summary>
    const ulong ResizeHintLimit = 1 << 24;

    /// <summary>
    /// The access time (seconds since start, <see cref="KeyEntry.LastAccess"/>) of a key idle for
    /// <paramref name="idleSeconds"/>: wraps around like Redis's LRU clock (OBJECT IDLETIME subtracts modulo 2^32).
    /// </summary>
    public static uint LastAccessFor(uint clock, long idleSeconds) => unchecked((uint)((long)clock - idleSeconds));

    static void ReadAux(RdbInput input, RdbLoadResult result)
    {
        var keyBytes = input.ReadStringBytes();
        var value = input.ReadStringBytes();
        string key = Encoding.UTF8.GetString(keyBytes);
        result.Aux[key] = value;
        if (key.Equals("repl-stream-db", StringComparison.OrdinalIgnoreCase)) result.ReplStreamDb = (int)Math.Clamp(Strtoll(value), int.MinValue, int.MaxValue);
        else if (key.Equals("repl-id", StringComparison.OrdinalIgnoreCase)) { if (value.Length == 40) result.ReplId = Encoding.ASCII.GetString(value); }
        else if (key.Equals("repl-offset", StringComparison.OrdinalIgnoreCase)) result.ReplOffset = Strtoll(value);
        else if (key.Equals("aof-base", StringComparison.OrdinalIgnoreCase)) result.AofBase = Strtoll(value) != 0;
        else if (key.Equals("redis-ver", StringComparison.OrdinalIgnoreCase)) result.RedisVer = Encoding.UTF8.GetString(value);
        else if (key.Equals("ctime", StringComparison.OrdinalIgnoreCase)) result.CTime = Strtoll(value);
    }

    /// <summary>C's atoi on the version digits ("0010" → 10; garbage → 0).</summary>
    static int Atoi(ReadOnlySpan<byte> s)
    {
        long v = Strtoll(s);
        return v is < int.MinValue or > int.MaxValue ? 0 : (int)v;
    }

    /// <summary>C's strtoll in base 10: optional spaces and sign, then digits up to the first non-digit (saturating).</summary>
    static long Strtoll(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
        long v = 0;
        for (; i < s.Length && s[i] >= '0' && s[i] <= '9'; i++)
        {
            int d = s[i] - '0';
            if (v > (long.MaxValue - d) / 10) return negative ? long.MinValue : long.MaxValue;
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }

    const string ModuleNameCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>The 9-character module type name packed in a module id (its top 54 bits; the low 10 are the encoding version).</summary>
    public static string ModuleName(ulong moduleId)
    {
        Span<char> name = stackalloc char[9];
        moduleId >>= 10;
        for (int j = 8; j >= 0; j--)
        {
            name[j] = ModuleNameCharset[(int)(moduleId & 63)];
            moduleId >>= 6;
        }
        return new string(name);
    }
}
