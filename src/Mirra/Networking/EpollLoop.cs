using System.Runtime.InteropServices;

namespace Mirra.Networking;

/// <summary>
/// Redis's event loop for client reads: one thread waits in epoll_wait on every client socket
/// (level-triggered), reads at most one buffer per ready socket per round (so one busy client
/// cannot starve the others) and hands the parsed commands over, usually running them at once by
/// taking the executor role. This skips .NET's socket engine, whose per-read cost was the largest
/// piece of overhead left on small pipelined commands. Sends and accepts stay on .NET sockets.
/// </summary>
public sealed unsafe class EpollLoop : IDisposable
{
    const int EPOLLIN = 0x001, EPOLLERR = 0x008, EPOLLHUP = 0x010, EPOLLRDHUP = 0x2000;
    const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    const int EAGAIN = 11, EINTR = 4;
    const int MaxEvents = 256;

    [StructLayout(LayoutKind.Sequential, Pack = 1)] // packed on x86-64, as in <sys/epoll.h>
    struct EpollEvent { public uint Events; public ulong Data; }

    [DllImport("libc", SetLastError = true)] static extern int epoll_create1(int flags);
    [DllImport("libc", SetLastError = true)] static extern int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);
    [DllImport("libc", SetLastError = true)] static extern int epoll_wait(int epfd, EpollEvent* events, int maxevents, int timeout);
    [DllImport("libc", SetLastError = true)] static extern nint recv(int fd, byte* buf, nint len, int flags);
    [DllImport("libc")] static extern int close(int fd);

    readonly int _epfd;
    readonly Engine.Server _server;
    readonly Thread _thread;
    readonly object _gate = new();
    readonly Dictionary<ulong, Connection> _connections = new();
    ulong _nextToken;
    volatile bool _stopping;

    EpollLoop(int epfd, Engine.Server server)
    {
        _epfd = epfd;
        _server = server;
        _thread = new Thread(Run) { Name = "mirra-network", IsBackground = true };
        _thread.Start();
    }

    /// <summary>The loop, or null where epoll is not available (the .NET socket engine is used then).</summary>
    public static EpollLoop? TryCreate(Engine.Server server)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MIRRA_EPOLL") == "0") return null;
        try
        {
            int fd = epoll_create1(0x80000 /* EPOLL_CLOEXEC */);
            return fd < 0 ? null : new EpollLoop(fd, server);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    /// <summary>Starts reading a connection's socket.</summary>
    public void Add(Connection connection)
    {
        ulong token;
        lock (_gate)
        {
            token = ++_nextToken;
            _connections[token] = connection;
        }
        connection.EpollToken = token;
        var ev = new EpollEvent { Events = EPOLLIN | EPOLLRDHUP, Data = token };
        if (epoll_ctl(_epfd, EPOLL_CTL_ADD, connection.Fd, &ev) != 0)
        {
            lock (_gate) _connections.Remove(token);
            connection.EpollToken = 0;
            _ = Task.Run(connection.RunAsync); // fall back to the socket engine for this one
        }
    }

    /// <summary>Stops or resumes watching a socket for input (back-pressure while its batches wait).</summary>
    void SetReading(Connection connection, bool reading)
    {
        var ev = new EpollEvent { Events = reading ? (uint)(EPOLLIN | EPOLLRDHUP) : 0, Data = connection.EpollToken };
        epoll_ctl(_epfd, EPOLL_CTL_MOD, connection.Fd, &ev);
    }

    void Remove(ulong token, Connection connection)
    {
        epoll_ctl(_epfd, EPOLL_CTL_DEL, connection.Fd, null);
        lock (_gate) _connections.Remove(token);
        connection.OnEpollRemoved();
    }

    void Run()
    {
        var events = stackalloc EpollEvent[MaxEvents];
        while (!_stopping)
        {
            int n = epoll_wait(_epfd, events, MaxEvents, 100);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR) continue;
                break;
            }
            var executor = _server.Executor;
            executor.DeferRounds();
            for (int i = 0; i < n; i++)
            {
                ulong token = events[i].Data;
                Connection? connection;
                lock (_gate) _connections.TryGetValue(token, out connection);
                if (connection == null) continue;
                try { Read(token, connection, events[i].Events); }
                catch (Exception ex)
                {
                    connection.Server.Log.Warning("Unexpected error reading from a client: " + ex);
                    Remove(token, connection);
                    connection.OnReaderStopped();
                }
            }
            executor.RunDeferred();
        }
    }

    void Read(ulong token, Connection connection, uint ready)
    {
        var space = connection.ReceiveSpace();
        nint got;
        using (var pin = space.Pin()) got = recv(connection.Fd, (byte*)pin.Pointer, space.Length, 0);
        if (got < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EAGAIN || errno == EINTR) return;
        }
        if (got <= 0)
        {
            Remove(token, connection);
            connection.OnReaderStopped();
            return;
        }
        switch (connection.OnReceived((int)got))
        {
            case Connection.ReceiveOutcome.Stop:
                Remove(token, connection);
                connection.OnReaderStopped();
                break;
            case Connection.ReceiveOutcome.WaitForRoom:
                SetReading(connection, false);
                connection.Client.WaitForRoom().ContinueWith(_ => SetReading(connection, true), TaskContinuationOptions.ExecuteSynchronously);
                break;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join(1000);
        close(_epfd);
    }
}
