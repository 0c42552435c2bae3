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

    /// <param name="config">Directive/value pairs applied like CONFIG SET, e.g. ("requirepass", "secret").</param>
    public TestServer(params string[] config)
    {
        var registry = ConfigRegistry.CreateDefault();
        // Saves (SHUTDOWN, FLUSHALL with the default save points) go to a directory of this server's own.
        if (!Pairs(config).Any(p => p.Name == "dir")) config = new[] { "dir", NewDataDir() }.Concat(config).ToArray();
        if (config.Length > 0) registry.LoadFromString(string.Join('\n', Pairs(config).Select(p => $"{p.Name} {(p.Value.Length == 0 ? "\"\"" : p.Value)}")));
        Server = new Server(registry, new Log { Level = Mirra.Observability.LogLevel.Nothing });
        Server.Clock.FrozenMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(); // deterministic: only AdvanceTime moves it
        Client = NewClient();
    }

    static readonly string DataRoot = Path.Combine(Path.GetTempPath(), $"mirra-unit-{Environment.ProcessId}");
    static int _dataDirs;

    static TestServer() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try { Directory.Delete(DataRoot, recursive: true); } catch (Exception) { }
    };

    static string NewDataDir() => Directory.CreateDirectory(Path.Combine(DataRoot, Interlocked.Increment(ref _dataDirs).ToString())).FullName;

    /// <summary>Changes directives at run time through CONFIG SET's path (hooks included).</summary>
    public void Configure(params string[] config)
    {
        var error = Server.ConfigRegistry.Set(Pairs(config).ToList());
        if (error != null) throw new InvalidOperationException(error);
    }

    static IEnumerable<(string Name, string Value)> Pairs(string[] config)
    {
        if (config.Length % 2 != 0) throw new ArgumentException("directive/value pairs expected");
        for (int i = 0; i < config.Length; i += 2) yield return (config[i], config[i + 1]);
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

    /// <summary>
    /// Records keyevent notifications of db 0 as "event key" (enable them with notify-keyspace-events),
    /// as a subscriber to __keyevent@0__:* would see them.
    /// </summary>
    public List<string> CaptureKeyEvents()
    {
        var events = new List<string>();
        Server.Notifications.HasSubscribers = () => true;
        Server.Notifications.Publish = (channel, message) =>
        {
            var name = Encoding.UTF8.GetString(channel);
            if (name.StartsWith("__keyevent@0__:", StringComparison.Ordinal)) events.Add(name[15..] + " " + Encoding.UTF8.GetString(message));
            return 1;
        };
        return events;
    }

    /// <summary>Moves the (frozen) clock seen by commands, for expiry tests, without sleeping.</summary>
    public void AdvanceTime(long ms) => Server.Clock.FrozenMs += ms;
}
