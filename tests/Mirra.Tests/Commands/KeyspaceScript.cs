using System.Text;
using Mirra.Replication;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

/// <summary>
/// Runs a transcript of "command args => exact reply" lines against a <see cref="TestServer"/>.
/// The transcripts were recorded from redis-server 7.0.15 (each one starts from an empty server on
/// a fresh connection); in replies only \r\n is an escape. Arguments split on spaces, "..." quotes.
/// </summary>
internal static class KeyspaceScript
{
    public static void Run(TestServer server, string transcript)
    {
        foreach (var raw in transcript.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            int sep = line.IndexOf(" => ", StringComparison.Ordinal);
            if (sep < 0) throw new ArgumentException("bad transcript line: " + line);
            var args = Split(line[..sep]);
            var expected = line[(sep + 4)..].Replace("\\r\\n", "\r\n");
            var actual = server.Run(args);
            Assert.True(expected == actual, $"{line[..sep]}\n expected: {Show(expected)}\n   actual: {Show(actual)}");
        }
    }

    static string Show(string s) => s.Replace("\r\n", "\\r\\n");

    public static string[] Split(string command)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, any = false;
        foreach (char c in command)
        {
            if (c == '"') { quoted = !quoted; any = true; }
            else if (c == ' ' && !quoted)
            {
                if (any) args.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else { current.Append(c); any = true; }
        }
        if (any) args.Add(current.ToString());
        return args.ToArray();
    }
}

/// <summary>Collects what the server propagates (replicas, AOF), as RESP text.</summary>
internal sealed class RecordingConsumer : IStreamConsumer
{
    readonly StringBuilder _text = new();

    public void Append(ReadOnlySpan<byte> resp) => _text.Append(Encoding.UTF8.GetString(resp));

    public string Take()
    {
        var s = _text.ToString();
        _text.Clear();
        return s;
    }

    public static RecordingConsumer Attach(TestServer server)
    {
        var c = new RecordingConsumer();
        server.Server.Propagation.Consumers.Add(c);
        return c;
    }

    /// <summary>RESP of one command, the way the stream carries it.</summary>
    public static string Resp(params string[] argv)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(argv.Length).Append("\r\n");
        foreach (var a in argv) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return sb.ToString();
    }
}
