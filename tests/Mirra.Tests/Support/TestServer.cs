using System.Text;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Observability;

namespace Mirra.Tests.Support;

/// <summary>
/// An in-process server whose executor is not started: commands run on the test thread through
/// the real dispatcher, and replies come back as the exact RESP bytes a client would receive.
/// </summary>
public sealed class TestServer
{
    public Server Server { get; }
    public Client Client { get; }

    public TestServer(ServerConfig? config = null)
    {
        Server = new Server(config ?? new ServerConfig(), new Log { Level = LogLevel.Nothing });
        Client = NewClient();
    }

    public Client NewClient() => new()
    {
        Db = Server.Keyspace[0],
        Authenticated = !Server.AuthRequired,
        CreatedAtMs = Server.Clock.NowMs(),
    };

    /// <summary>Runs one command and returns the raw RESP reply (e.g. "+OK\r\n").</summary>
    public string Run(params string[] args) => Run(Client, args);

    public string Run(Client client, params string[] args)
    {
        int mark = client.Reply.Length;
        Server.Dispatcher.ExecuteArgv(client, args.Select(Encoding.UTF8.GetBytes).ToArray());
        string reply = Encoding.UTF8.GetString(client.Reply.Written[mark..]);
        client.Reply.Clear();
        return reply;
    }

    /// <summary>Moves the clock seen by commands (expiry tests) without sleeping.</summary>
    public void AdvanceTime(long ms) => Server.Clock.OffsetMs += ms;
}
