using System.Text;
using Mirra.Replication;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

/// <summary>The keyspace tests' name for <see cref="Transcript"/>.</summary>
internal static class KeyspaceScript
{
    public static void Run(TestServer server, string transcript) => Transcript.Run(server, transcript);

    public static string[] Split(string command) => Transcript.Split(command);
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
