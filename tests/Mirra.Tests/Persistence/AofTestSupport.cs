using System.Text;
using Mirra.Observability;
using Mirra.Tests.Support;

namespace Mirra.Tests.Persistence;

/// <summary>A temporary directory (a server's "dir") removed at the end of the test.</summary>
sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mirra-aof-test-").FullName;

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (Exception) { }
    }
}

/// <summary>An in-process server whose dir is a temp dir, with its log captured (notice level) for assertions.</summary>
sealed class AofServer : IDisposable
{
    public TestServer Ts { get; }
    public string Dir { get; }
    readonly string _logPath;

    public AofServer(string dir, params string[] config)
    {
        Dir = dir;
        // Bases as commands unless a test asks for the RDB preamble (Redis's default), so their content can be read.
        var preamble = config.Contains("aof-use-rdb-preamble") ? Array.Empty<string>() : new[] { "aof-use-rdb-preamble", "no" };
        Ts = new TestServer(new[] { "dir", dir }.Concat(preamble).Concat(config).ToArray());
        _logPath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mirra-aof-log-{Guid.NewGuid():N}.log");
        Ts.Server.Log.Level = LogLevel.Notice;
        Ts.Server.Log.SetFile(_logPath);
        // An exit the server would do becomes an exception the test can see.
        Ts.Server.Aof.Writer.Fatal = code => throw new FatalExit(code);
    }

    public Mirra.Engine.Server Server => Ts.Server;
    public Mirra.Persistence.Aof.AofManager Aof => Ts.Server.Aof;
    public string AofDir => System.IO.Path.Combine(Dir, "appendonlydir");

    /// <summary>Runs a command, then ends the "round" like the executor does before sending replies.</summary>
    public string Run(params string[] args)
    {
        string reply = Ts.Run(args);
        Aof.BeforeReplies();
        return reply;
    }

    public string Log => File.Exists(_logPath) ? File.ReadAllText(_logPath) : "";

    /// <summary>The log lines' messages (what follows the level mark), in order.</summary>
    public List<string> LogMessages() => Log.Split('\n').Where(l => l.Length > 0).Select(l =>
    {
        int mark = l.IndexOf(" # ", StringComparison.Ordinal);
        int notice = l.IndexOf(" * ", StringComparison.Ordinal);
        int at = mark < 0 ? notice : notice < 0 ? mark : Math.Min(mark, notice);
        return at < 0 ? l : l[(at + 3)..];
    }).ToList();

    public string ReadAof(string name) => Encoding.Latin1.GetString(File.ReadAllBytes(System.IO.Path.Combine(AofDir, name)));

    public void Dispose()
    {
        if (Ts.Server.Aof.State != Mirra.Persistence.Aof.AofState.Off) Ts.Server.Aof.Stop();
        Ts.Server.Log.SetFile("");
        try { File.Delete(_logPath); } catch (Exception) { }
    }
}

sealed class FatalExit(int code) : Exception($"exit({code})")
{
    public int Code { get; } = code;
}

static class AofText
{
    /// <summary>A command as RESP multibulk, as the AOF holds it.</summary>
    public static string Resp(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>
    /// The whole keyspace of a server as sorted text, read through commands (types, values, members with
    /// scores, TTL deadlines): two servers with the same data give the same text.
    /// </summary>
    public static string Dump(TestServer ts)
    {
        var sb = new StringBuilder();
        var client = ts.NewClient();
        // Bytes as Latin-1 both ways, so binary values (HyperLogLogs) survive the trip.
        string Run(params string[] args)
        {
            client.Reply.Clear();
            ts.Server.Dispatcher.ExecuteArgv(client, args.Select(Encoding.Latin1.GetBytes).ToArray());
            return Encoding.Latin1.GetString(client.Reply.Written);
        }
        int databases = ts.Server.Keyspace.Databases.Length;
        for (int db = 0; db < databases; db++)
        {
            Run("SELECT", db.ToString());
            var keys = Values(Run("KEYS", "*")).OrderBy(k => k, StringComparer.Ordinal).ToList();
            foreach (var key in keys)
            {
                string type = Run("TYPE", key).Trim('+', '\r', '\n');
                sb.Append(db).Append(' ').Append(type).Append(' ').Append(key).Append(" =");
                IEnumerable<string> content = type switch
                {
                    "string" => Values(Run("GET", key)),
                    "list" => Values(Run("LRANGE", key, "0", "-1")),
                    "set" => Values(Run("SMEMBERS", key)).OrderBy(v => v, StringComparer.Ordinal),
                    "zset" => Values(Run("ZRANGE", key, "0", "-1", "WITHSCORES")),
                    "hash" => Pairs(Values(Run("HGETALL", key))).OrderBy(v => v, StringComparer.Ordinal),
                    _ => new[] { "?" },
                };
                foreach (var v in content) sb.Append(' ').Append(v);
                sb.Append(" expire=").Append(Run("PEXPIRETIME", key).Trim(':', '\r', '\n')).Append('\n');
            }
        }
        return sb.ToString();
    }

    static IEnumerable<string> Pairs(List<string> flat)
    {
        for (int i = 0; i + 1 < flat.Count; i += 2) yield return flat[i] + "=" + flat[i + 1];
    }

    /// <summary>The bulk strings of a RESP2 reply (one bulk or an array of bulks).</summary>
    static List<string> Values(string resp)
    {
        var list = new List<string>();
        int p = 0;
        while (p < resp.Length)
        {
            int eol = resp.IndexOf("\r\n", p, StringComparison.Ordinal);
            string line = resp[p..eol];
            p = eol + 2;
            if (line[0] == '$')
            {
                int len = int.Parse(line[1..]);
                if (len < 0) continue;
                list.Add(resp.Substring(p, len));
                p += len + 2;
            }
        }
        return list;
    }
}
