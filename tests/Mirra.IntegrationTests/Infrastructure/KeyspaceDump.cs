using System.Text;

namespace Mirra.IntegrationTests.Infrastructure;

/// <summary>
/// Everything a client can read of a server's data, as sorted text lines "db key type value ttl", so two
/// servers (Mirra and redis-server, before and after a reload or a sync) can be compared key by key.
/// Binary values are shown in hex; TTLs are rounded to 100 seconds (the servers read them at
/// different instants: use TTLs far from a multiple of 100 s + 50); aggregate members are sorted where the type has no order.
/// </summary>
public static class KeyspaceDump
{
    /// <param name="exactExpiry">Compare absolute expiry times (PEXPIRETIME) instead of rounded TTLs: for files that record deadlines (AOF).</param>
    public static List<string> Of(RespClient c, int databases = 16, bool exactExpiry = false)
    {
        var lines = new List<string>();
        for (int db = 0; db < databases; db++)
        {
            Expect(c.Call("SELECT", db.ToString()));
            if (c.Call("DBSIZE").Integer == 0) continue;
            foreach (var key in Keys(c))
            {
                string type = c.Call(new[] { "TYPE"u8.ToArray(), key }).Text!;
                string value = type switch
                {
                    "string" => Hex(c.Call(new[] { "GET"u8.ToArray(), key }).Bytes!),
                    "list" => string.Join(",", Items(c.Call(new[] { "LRANGE"u8.ToArray(), key, "0"u8.ToArray(), "-1"u8.ToArray() }))),
                    "set" => string.Join(",", Items(c.Call(new[] { "SMEMBERS"u8.ToArray(), key })).Order(StringComparer.Ordinal)),
                    "hash" => string.Join(",", Pairs(c.Call(new[] { "HGETALL"u8.ToArray(), key })).Order(StringComparer.Ordinal)),
                    "zset" => string.Join(",", Pairs(c.Call(new[] { "ZRANGE"u8.ToArray(), key, "0"u8.ToArray(), "-1"u8.ToArray(), "WITHSCORES"u8.ToArray() }))),
                    _ => "?",
                };
                string ttl;
                if (exactExpiry) ttl = "at " + c.Call(new[] { "PEXPIRETIME"u8.ToArray(), key }).Integer;
                else
                {
                    long pttl = c.Call(new[] { "PTTL"u8.ToArray(), key }).Integer;
                    ttl = pttl < 0 ? pttl.ToString() : $"~{(pttl + 50_000) / 100_000}00s";
                }
                lines.Add($"{db} {Hex(key)} {type} {value} {ttl}");
            }
        }
        Expect(c.Call("SELECT", "0"));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    static List<byte[]> Keys(RespClient c)
    {
        var keys = new List<byte[]>();
        string cursor = "0";
        do
        {
            var reply = c.Call("SCAN", cursor, "COUNT", "1000");
            cursor = reply.Items![0].Text!;
            keys.AddRange(reply.Items[1].Items!.Select(i => i.Bytes!));
        } while (cursor != "0");
        return keys;
    }

    static IEnumerable<string> Items(RespValue array) => array.Items!.Select(i => Hex(i.Bytes!));

    static IEnumerable<string> Pairs(RespValue array)
    {
        var items = array.Items!;
        for (int i = 0; i + 1 < items.Count; i += 2) yield return Hex(items[i].Bytes!) + "=" + Hex(items[i + 1].Bytes!);
    }

    /// <summary>Printable ASCII as is, anything else (and ',' '=' ' ' '%') as %XX.</summary>
    static string Hex(byte[] bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
            if (b > 32 && b < 127 && b != ',' && b != '=' && b != '%') sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2"));
        return sb.ToString();
    }

    static void Expect(RespValue reply)
    {
        if (reply.IsError) throw new InvalidOperationException(reply.Text);
    }
}
