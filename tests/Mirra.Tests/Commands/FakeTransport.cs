using Mirra.Engine;
using Mirra.Tests.Support;

namespace Mirra.Tests.Commands;

/// <summary>A client "connection" for in-process tests: fixed addresses, records Close and Flush.</summary>
sealed class FakeTransport : IClientTransport
{
    public string RemoteAddress { get; init; } = "127.0.0.1:50000";
    public string LocalAddress { get; init; } = "127.0.0.1:6379";
    public int Fd { get; init; } = 8;
    public int QueryBufferLength { get; set; }
    public bool IsUnixSocket { get; init; }
    public bool IsClosed { get; private set; }
    public int Flushes { get; private set; }

    public void Flush(Client client) => Flushes++;
    public void Close() => IsClosed = true;
    public long PendingOutputBytes(Client client) => client.Reply.Length;

    /// <summary>A new client of <paramref name="ts"/> with this kind of transport, registered like a connected one.</summary>
    public static Client Connect(TestServer ts, string remote = "127.0.0.1:50000", bool unix = false, int fd = 8)
    {
        var c = ts.NewClient();
        c.Transport = new FakeTransport { RemoteAddress = remote, LocalAddress = unix ? remote : "127.0.0.1:6379", IsUnixSocket = unix, Fd = fd };
        ts.Server.Clients.Attach(c);
        return c;
    }
}
