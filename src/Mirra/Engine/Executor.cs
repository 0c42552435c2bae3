using System.Diagnostics;

namespace Mirra.Engine;

/// <summary>
/// Owns the keyspace the way Redis's event loop does: commands run one at a time, in one total
/// order, and nothing else touches server state. The executor is a role rather than a fixed
/// thread: whichever thread holds it runs the ready clients, posted actions and due timers, then
/// flushes replies. A network thread that has just parsed a batch takes the role itself when it is
/// free (no thread hop: on two cores that is the difference between Redis's speed and half of it);
/// when it is taken, the holder runs the batch before letting go. A background thread takes the
/// role for timers and posted work. Handing over the role is a full fence, so state written by one
/// holder is seen by the next.
/// </summary>
public sealed class Executor
{
    readonly object _gate = new();
    Queue<Client> _readyClients = new();
    Queue<Client> _runningClients = new();
    Queue<Action> _posted = new();
    Queue<Action> _runningPosted = new();
    volatile int _pendingWork;
    int _held;
    volatile bool _stopping;
    Thread? _background;
    readonly SemaphoreSlim _backgroundWake = new(0, int.MaxValue);
    readonly TimerQueue _timers = new();
    readonly List<Client> _needFlush = new();

    [ThreadStatic] static Executor? _current;
    /// <summary>Set while a network thread reads a whole set of ready sockets (see <see cref="DeferRounds"/>).</summary>
    [ThreadStatic] static bool _deferring;

    /// <summary>Runs a client's commands: set by the server.</summary>
    public Action<Client>? RunClient;
    /// <summary>Called after each round of work (Redis's beforeSleep: fast expiry cycle, replica ACKs...).</summary>
    public Action? BeforeSleep;
    /// <summary>
    /// Called before the replies of a round are sent (the AOF writes what the round's commands did, so a
    /// client never sees a reply to a write that is not in the file: Redis does it at the top of beforeSleep).
    /// </summary>
    public event Action? BeforeReplies;
    /// <summary>An exception escaping a command is a bug: log it loudly but keep serving.</summary>
    public Action<Exception>? OnError;

    /// <summary>True on the thread currently holding the executor role.</summary>
    public bool IsExecutorThread => _current == this;
    public TimerQueue Timers => _timers;
    /// <summary>True once <see cref="Start"/> ran (an embedded test server runs commands without it).</summary>
    public bool Started => _background != null;

    public void Start()
    {
        _background = new Thread(BackgroundLoop) { Name = "mirra-executor", IsBackground = true };
        _background.Start();
    }

    public void Stop()
    {
        _stopping = true;
        _backgroundWake.Release();
        if (_background != null && !IsExecutorThread) _background.Join(5000);
    }

    /// <summary>Queues a client that has commands to run and runs it now when the role is free (network threads).</summary>
    public void Schedule(Client client)
    {
        lock (_gate)
        {
            _readyClients.Enqueue(client);
            _pendingWork = 1;
        }
        if (IsExecutorThread || _deferring) return; // the running (or coming) round picks it up
        RunWhileWork();
    }

    /// <summary>
    /// Redis's loop shape for a network thread that has several ready sockets: read them all first
    /// (their batches only queue), then run one round for all of them, so that replies and pub/sub
    /// messages to the same client go out in one send instead of one per command.
    /// </summary>
    public void DeferRounds() => _deferring = true;

    /// <summary>Ends <see cref="DeferRounds"/>: runs the queued work now (taking the role if it is free).</summary>
    public void RunDeferred()
    {
        _deferring = false;
        RunWhileWork();
    }

    /// <summary>Runs an action on the executor soon (never inline: callers may hold their own locks).</summary>
    public void Post(Action action)
    {
        lock (_gate)
        {
            _posted.Enqueue(action);
            _pendingWork = 1;
        }
        _backgroundWake.Release();
    }

    /// <summary>Runs a function on the executor and waits for its result (startup, tests, shutdown).</summary>
    public T Invoke<T>(Func<T> func)
    {
        if (IsExecutorThread || _background == null) return func();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try { done.SetResult(func()); }
            catch (Exception ex) { done.SetException(ex); }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    /// <summary>Marks a client whose output must be sent at the end of this round.</summary>
    public void NeedFlush(Client c)
    {
        if (c.FlushQueued) return;
        c.FlushQueued = true;
        _needFlush.Add(c);
    }

    /// <summary>
    /// Redis's processEventsWhileBlocked: a long job holding the role (loading a data set) lets the
    /// clients that are waiting run their commands (they mostly get -LOADING) and get their replies.
    /// Posted work and timers wait for the job to end.
    /// </summary>
    public void ServeWhileBlocked()
    {
        if (!IsExecutorThread) return;
        Queue<Client> ready;
        lock (_gate)
        {
            ready = _readyClients;
            _readyClients = new Queue<Client>();
        }
        while (_runningClients.Count > 0) ready.Enqueue(_runningClients.Dequeue());
        while (ready.Count > 0)
        {
            var client = ready.Dequeue();
            try { RunClient!(client); }
            catch (Exception ex) { Crash(ex); }
        }
        FlushAll();
    }

    /// <summary>Takes the role while there is work and nobody else holds it.</summary>
    void RunWhileWork()
    {
        // After letting go, look again: work queued while we held the role found it taken.
        while (_pendingWork != 0 && Interlocked.CompareExchange(ref _held, 1, 0) == 0)
        {
            _current = this;
            try { RunRound(); }
            finally
            {
                _current = null;
                Interlocked.Exchange(ref _held, 0);
            }
        }
    }

    void RunRound()
    {
        while (true)
        {
            lock (_gate)
            {
                if (_readyClients.Count > 0) (_readyClients, _runningClients) = (_runningClients, _readyClients);
                if (_posted.Count > 0) (_posted, _runningPosted) = (_runningPosted, _posted);
                _pendingWork = 0;
            }
            if (_runningPosted.Count == 0 && _runningClients.Count == 0) break;
            while (_runningPosted.Count > 0)
            {
                var action = _runningPosted.Dequeue();
                try { action(); }
                catch (Exception ex) { Crash(ex); }
            }
            while (_runningClients.Count > 0)
            {
                var client = _runningClients.Dequeue();
                try { RunClient!(client); }
                catch (Exception ex) { Crash(ex); }
            }
            FlushAll();
        }
        try { _timers.RunDue(); } catch (Exception ex) { Crash(ex); }
        try { BeforeSleep?.Invoke(); } catch (Exception ex) { Crash(ex); }
        FlushAll();
    }

    /// <summary>Takes the role for timers and posted work when no network thread is around to do it.</summary>
    void BackgroundLoop()
    {
        while (!_stopping)
        {
            bool ran = false;
            if (Interlocked.CompareExchange(ref _held, 1, 0) == 0)
            {
                _current = this;
                try { RunRound(); }
                finally
                {
                    _current = null;
                    Interlocked.Exchange(ref _held, 0);
                }
                RunWhileWork();
                ran = true;
            }
            // Whoever holds the role runs due timers at the end of its round, so while it is held
            // there is nothing to poll for: sleep until the next timer or a posted action.
            int wait = _timers.MillisecondsUntilNext();
            if (wait == 0 && !ran) wait = 1;
            if (wait != 0) _backgroundWake.Wait(wait < 0 ? 100 : Math.Min(wait, 100));
        }
    }

    /// <summary>Runs <see cref="BeforeReplies"/> (also for a reply sent outside the end of a round).</summary>
    public void RunBeforeReplies()
    {
        try { BeforeReplies?.Invoke(); } catch (Exception ex) { Crash(ex); }
    }

    void FlushAll()
    {
        RunBeforeReplies();
        if (_needFlush.Count == 0) return;
        for (int i = 0; i < _needFlush.Count; i++)
        {
            var c = _needFlush[i];
            c.FlushQueued = false;
            try { c.Flush(); }
            catch (Exception ex) { Crash(ex); }
        }
        _needFlush.Clear();
    }

    void Crash(Exception ex)
    {
        if (OnError != null) OnError(ex);
        else Console.Error.WriteLine(ex);
    }
}

/// <summary>Timed events run by the executor (cron, active expiry, replication timers).</summary>
public sealed class TimerQueue
{
    readonly PriorityQueue<TimerEntry, long> _queue = new();

    public sealed class TimerEntry
    {
        internal Func<int>? Callback; // returns the next delay in ms, or -1 to stop
        public bool Cancelled;
    }

    /// <summary>
    /// Runs <paramref name="callback"/> after <paramref name="delayMs"/>; it returns its next delay or -1.
    /// Executor only (or before the executor starts).
    /// </summary>
    public TimerEntry Add(int delayMs, Func<int> callback)
    {
        var entry = new TimerEntry { Callback = callback };
        lock (_queue) _queue.Enqueue(entry, Stopwatch.GetTimestamp() + delayMs * Stopwatch.Frequency / 1000);
        return entry;
    }

    public int MillisecondsUntilNext()
    {
        long due;
        lock (_queue) if (!_queue.TryPeek(out _, out due)) return -1;
        long ticks = due - Stopwatch.GetTimestamp();
        if (ticks <= 0) return 0;
        return (int)Math.Min(int.MaxValue, ticks * 1000 / Stopwatch.Frequency + 1);
    }

    public void RunDue()
    {
        long now = Stopwatch.GetTimestamp();
        while (true)
        {
            TimerEntry entry;
            lock (_queue)
            {
                if (!_queue.TryPeek(out entry!, out long due) || due > now) return;
                _queue.Dequeue();
            }
            if (entry.Cancelled) continue;
            int next = entry.Callback!();
            if (next >= 0 && !entry.Cancelled)
                lock (_queue) _queue.Enqueue(entry, Stopwatch.GetTimestamp() + next * Stopwatch.Frequency / 1000);
        }
    }
}
