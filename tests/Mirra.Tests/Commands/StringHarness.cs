using System.Text;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Replication;
using Mirra.Storage;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

/// <summary>
/// A <see cref="TestServer"/> for the string and bitmap tests: arguments and replies are Latin-1
/// (one char per byte, so binary values round-trip), failures name the command, and what the
/// tests inspect beyond replies is at hand: encodings, expiry times, the propagated stream.
/// </summary>
sealed class StringHarness
{
    public readonly TestServer Ts;
    readonly PropagationCapture _capture = new();

    public StringHarness(params string[] config)
    {
        Ts = new TestServer(config);
        Ts.Server.Propagation.Consumers.Add(_capture);
    }

    public Server Server => Ts.Server;
    public Database Db => Ts.Server.Keyspace[0];
    /// <summary>The time the last command ran at (what relative expiries were added to).</summary>
    public long Now => Ts.Server.Keyspace.NowMs;

    public string Run(params string[] args)
    {
        var client = Ts.Client;
        int mark = client.Reply.Length;
        Ts.Server.Dispatcher.ExecuteArgv(client, args.Select(Encoding.Latin1.GetBytes).ToArray());
        string reply = Encoding.Latin1.GetString(client.Reply.Written[mark..]);
        client.Reply.Clear();
        return reply;
    }

    /// <summary>Runs a command and compares its exact reply (the command is part of the message on failure).</summary>
    public void Check(string expected, params string[] args)
    {
        string command = string.Join(' ', args);
        Assert.Equal($"{command} -> {expected}", $"{command} -> {Run(args)}");
    }

    /// <summary>Puts a non-string value at a key (stands in for HSET in WRONGTYPE checks).</summary>
    public void MakeHash(string key) => Db.Add(Encoding.Latin1.GetBytes(key), new FakeHash());

    public KeyEntry? Entry(string key) => Db.Peek(Encoding.Latin1.GetBytes(key));

    /// <summary>What OBJECT ENCODING would answer.</summary>
    public string EncodingOf(string key) => ValueTypes.EncodingName(Entry(key)!.Value);

    /// <summary>Absolute expiry in ms, -1 without one, -2 for no key.</summary>
    public long ExpireAt(string key) => Entry(key) is { } e ? Ts.Server.Keyspace[0].ExpireAtOf(e) : -2;

    /// <summary>The commands propagated since the last call (SELECT left out), as space-separated words.</summary>
    public List<string> TakePropagated()
    {
        var list = _capture.Commands.Where(c => !c.StartsWith("SELECT ", StringComparison.Ordinal)).ToList();
        _capture.Commands.Clear();
        return list;
    }

    sealed class PropagationCapture : IStreamConsumer
    {
        public readonly List<string> Commands = new();

        public void Append(ReadOnlySpan<byte> resp)
        {
            // One multibulk command: *N\r\n then N times $len\r\nbytes\r\n.
            var text = Encoding.Latin1.GetString(resp);
            int at = text.IndexOf("\r\n", StringComparison.Ordinal);
            int count = int.Parse(text[1..at]);
            var words = new List<string>();
            at += 2;
            for (int i = 0; i < count; i++)
            {
                int end = text.IndexOf("\r\n", at, StringComparison.Ordinal);
                int length = int.Parse(text[(at + 1)..end]);
                words.Add(text.Substring(end + 2, length));
                at = end + 2 + length + 2;
            }
            Commands.Add(string.Join(' ', words));
        }
    }

    sealed class FakeHash : IAggregateValue
    {
        public string TypeName => "hash";
        public string EncodingName => "listpack";
        public long Count => 1;
        public long EstimatedBytes => 16;
        public IAggregateValue DeepCopy() => new FakeHash();
    }
}
