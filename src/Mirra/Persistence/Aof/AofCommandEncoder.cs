using Mirra.Storage;
using Mirra.Storage.Types;
using Mirra.Util;

namespace Mirra.Persistence.Aof;

/// <summary>
/// A snapshot as commands, the way Redis's rewriteAppendOnlyFileRio writes an AOF base without RDB
/// preamble (aof-use-rdb-preamble no): "#TS:" first when aof-timestamp-enabled, SELECT before the keys
/// of each database, then per key SET, RPUSH, SADD, ZADD (scores in "%.17g") or HMSET, variadic ones
/// carrying at most 64 items each (AOF_REWRITE_ITEMS_PER_CMD), followed by PEXPIREAT when the key has
/// a TTL. Loading the output with any Redis (or Mirra) rebuilds the same keyspace.
/// </summary>
public sealed class AofCommandEncoder : ISnapshotEncoder
{
    /// <summary>Redis's AOF_REWRITE_ITEMS_PER_CMD.</summary>
    public const int ItemsPerCommand = 64;

    readonly Stream _out;
    readonly bool _timestamp;
    int _selectedDb = -1, _pendingDb = -1;
    readonly byte[] _scratch = new byte[32];

    /// <param name="output">Where the commands go (buffered by the caller).</param>
    /// <param name="timestampAnnotation">aof-timestamp-enabled: start with "#TS:&lt;snapshot time&gt;".</param>
    public AofCommandEncoder(Stream output, bool timestampAnnotation)
    {
        _out = output;
        _timestamp = timestampAnnotation;
    }

    public void Begin(SnapshotInfo info)
    {
        if (_timestamp) _out.Write(AofWriter.TimestampAnnotation(info.CreatedUnixSeconds));
    }

    /// <summary>The SELECT is written before the database's first key (so empty databases cost nothing).</summary>
    public void SelectDb(int db, long keys, long expires) => _pendingDb = db;

    public void Entry(byte[] key, object value, long expireAtMs)
    {
        if (_pendingDb != _selectedDb)
        {
            Header(2);
            Bulk("SELECT"u8);
            BulkLong(_pendingDb);
            _selectedDb = _pendingDb;
        }

        if (StringValue.IsString(value))
        {
            Header(3);
            Bulk("SET"u8);
            Bulk(key);
            Bulk(StringValue.GetSpan(value, _scratch));
        }
        else if (value is ListValue list) WriteList(key, list);
        else if (Set.TryOpen(value, out var set)) WriteSet(key, set);
        else if (value is SortedSetValue zset) WriteSortedSet(key, zset);
        else if (Hash.TryOpen(value, out var hash)) WriteHash(key, hash);
        else throw new InvalidOperationException($"AOF rewrite: unknown value type {value.GetType().Name}");

        if (expireAtMs != -1)
        {
            Header(3);
            Bulk("PEXPIREAT"u8);
            Bulk(key);
            BulkLong(expireAtMs);
        }
    }

    public void End() => _out.Flush();

    void WriteList(byte[] key, ListValue list)
    {
        long items = list.Count, count = 0;
        foreach (var item in list)
        {
            if (count == 0) CommandStart("RPUSH"u8, key, Math.Min(items, ItemsPerCommand));
            Bulk(item);
            if (++count == ItemsPerCommand) count = 0;
            items--;
        }
    }

    void WriteSet(byte[] key, Set set)
    {
        long items = set.Count, count = 0;
        foreach (var m in set)
        {
            if (count == 0) CommandStart("SADD"u8, key, Math.Min(items, ItemsPerCommand));
            if (m.IsInteger) BulkLong(m.Integer);
            else Bulk(m.Bytes);
            if (++count == ItemsPerCommand) count = 0;
            items--;
        }
    }

    void WriteSortedSet(byte[] key, SortedSetValue zset)
    {
        long items = zset.Count, count = 0;
        Span<byte> score = stackalloc byte[40];
        for (var c = zset.First(); c.IsValid; c.MoveNext())
        {
            if (count == 0) CommandStart("ZADD"u8, key, 2 * Math.Min(items, ItemsPerCommand));
            Bulk(score[..Numbers.FormatDouble(c.Score, score)]);
            Bulk(c.Member);
            if (++count == ItemsPerCommand) count = 0;
            items--;
        }
    }

    void WriteHash(byte[] key, Hash hash)
    {
        long items = hash.Count, count = 0;
        foreach (var pair in hash)
        {
            if (count == 0) CommandStart("HMSET"u8, key, 2 * Math.Min(items, ItemsPerCommand));
            Bulk(pair.Field);
            Bulk(pair.Value);
            if (++count == ItemsPerCommand) count = 0;
            items--;
        }
    }

    /// <summary>"*(2+args) NAME key" of a variadic command carrying <paramref name="args"/> more arguments.</summary>
    void CommandStart(ReadOnlySpan<byte> name, byte[] key, long args)
    {
        Header(2 + args);
        Bulk(name);
        Bulk(key);
    }

    void Header(long count)
    {
        _out.WriteByte((byte)'*');
        WriteDigits(count);
        _out.Write("\r\n"u8);
    }

    void Bulk(ReadOnlySpan<byte> s)
    {
        _out.WriteByte((byte)'$');
        WriteDigits(s.Length);
        _out.Write("\r\n"u8);
        _out.Write(s);
        _out.Write("\r\n"u8);
    }

    void BulkLong(long v)
    {
        int n = Numbers.FormatLong(v, _scratch);
        Bulk(_scratch.AsSpan(0, n));
    }

    void WriteDigits(long v)
    {
        Span<byte> digits = stackalloc byte[24];
        int n = Numbers.FormatLong(v, digits);
        _out.Write(digits[..n]);
    }
}
