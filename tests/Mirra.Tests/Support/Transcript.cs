using System.Text;
using System.Text.RegularExpressions;
using Mirra.Storage;

namespace Mirra.Tests.Support;

/// <summary>
/// Runs a transcript of "command args => exact reply" lines recorded from redis-server 7.0.15 (each
/// transcript starts from an empty server on a fresh RESP2 connection). Arguments split on spaces,
/// "..." quotes; "x{N}" stands for N copies of x; in replies only \r\n is an escape. Directives:
/// "#resp3" (HELLO 3), "#config name value" (CONFIG SET), "#encoding key name" (OBJECT ENCODING).
/// </summary>
public static class Transcript
{
    /// <param name="afterEach">Runs after every command (e.g. to check a structure's invariants).</param>
    /// <param name="onEncoding">Runs on the value of each key named by an "#encoding" line.</param>
    public static TestServer Run(TestServer s, string transcript, Action<TestServer>? afterEach = null, Action<object>? onEncoding = null)
    {
        foreach (var raw in transcript.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line == "#resp3") { s.Client.Reply.Protocol = 3; continue; }
            if (line.StartsWith("#config ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                s.Configure(parts[1], parts[2]);
                continue;
            }
            if (line.StartsWith("#encoding ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                var entry = s.Server.Keyspace[0].Peek(Encoding.UTF8.GetBytes(parts[1]));
                Assert.True(entry != null, line);
                Assert.True(parts[2] == ValueTypes.EncodingName(entry!.Value), $"{line}: {ValueTypes.EncodingName(entry.Value)}");
                onEncoding?.Invoke(entry.Value);
                continue;
            }
            int sep = line.IndexOf(" => ", StringComparison.Ordinal);
            if (sep < 0) throw new ArgumentException("bad transcript line: " + line);
            var args = Split(Expand(line[..sep]));
            var expected = Expand(line[(sep + 4)..]).Replace("\\r\\n", "\r\n");
            var actual = s.Run(args);
            Assert.True(expected == actual, $"{line[..sep]}\n expected: {Show(expected)}\n   actual: {Show(actual)}");
            afterEach?.Invoke(s);
        }
        return s;
    }

    /// <summary>A reply with its CRLFs visible, for assertion messages.</summary>
    public static string Show(string s) => s.Replace("\r\n", "\\r\\n");

    static string Expand(string s) => Regex.Replace(s, @"(\S)\{(\d+)\}", m => new string(m.Groups[1].Value[0], int.Parse(m.Groups[2].Value)));

    /// <summary>Splits a command line on spaces; "..." keeps spaces (and makes "" an empty argument).</summary>
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
