using System.Diagnostics;

namespace Mirra.Engine;

/// <summary>
/// The one thread that owns the keyspace (Redis's event loop). Network threads hand it clients
/// with parsed commands; it runs them one at a time in one total order, round-robin across
/// clients so a long pipeline cannot starve anybody, then flushes replies. Timers (cron) and
/// posted actions run on the same thread, so no other lock guards server state.
/// </summary>
public sealed class Executor
{
    readonly object _gate = new();
    Queue<Client> _readyClients = new();
    Queue<Client> _runningClients = new();
    Queue<Action> _posted = new();
    Queue<Action> _runningPosted = new();
    bool _sleeping;
    volatile bool _stopping;
    Thread? _thread;
    readonly TimerQueue _timers = new();
    readonly List<Client> _needFlush = new();

    /// <summary>Runs a client's commands: set by the server.</summary>
    public Action<Client>? RunClient;
    /// <summary>Called once per loop iteration before the executor waits (Redis's beforeSleep).</summary>
    public Action? BeforeSleep;

    public bool IsExecutorThread => Thread.CurrentThread == _thread;
    public TimerQueue Timers => _timers;

    public void Start()
    {
        _thread = new Thread(Loop) { Name = "mirra-executor", IsBackground = true, Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public void Stop()
    {
        _stopping = true;
        Wake();
        if (_thread != null && !IsExecutorThread) _thread.Join(5000);
    }

    /// <summary>Queues a client that has commands to run (called from network threads).</summary>
    public void Schedule(Client client)
    {
        lock (_gate)
        {
            _readyClients.Enqueue(client);
            if (_sleeping) Monitor.Pulse(_gate);
        }
    }

    /// <summary>Runs an action on the executor thread.</summary>
    public void Post(Action action)
    {
        lock (_gate)
        {
            _posted.Enqueue(action);
            if (_sleeping) Monitor.Pulse(_gate);
        }
    }

    /// <summary>Runs a function on the executor and waits for its result (startup, tests, shutdown).</summary>
    public T Invoke<T>(Func<T> func)
    {
        if (IsExecutorThread || _thread == null) return func();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try { done.SetResult(func()); }
            catch (Exception ex) { done.SetException(ex); }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    void Wake()
    {
        lock (_gate) Monitor.Pulse(_gate);
    }

    /// <summary>Marks a client whose output must be sent at the end of this loop iteration.</summary>
    public void NeedFlush(Client c)
    {
        if (c.FlushQueued) return;
        c.FlushQueued = true;
        _needFlush.Add(c);
    }

    void Loop()
    {
        var spin = new SpinWait();
        while (!_stopping)
        {
            bool didWork = false;
            lock (_gate)
            {
                if (_readyClients.Count > 0) (_readyClients, _runningClients) = (_runningClients, _readyClients);
                if (_posted.Count > 0) (_posted, _runningPosted) = (_runningPosted, _posted);
            }
            while (_runningPosted.Count > 0)
            {
                didWork = true;
                var action = _runningPosted.Dequeue();
                try { action(); }
                catch (Exception ex) { Crash(ex); }
            }
            while (_runningClients.Count > 0)
            {
                didWork = true;
                var client = _runningClients.Dequeue();
                try { RunClient!(client); }
                catch (Exception ex) { Crash(ex); }
            }
            try { _timers.RunDue(); } catch (Exception ex) { Crash(ex); }
            FlushAll();
            if (didWork) { spin.Reset(); continue; }

            // Nothing ready: spin a little (cheap latency win for request/response clients), then sleep.
            if (!spin.NextSpinWillYield) { spin.SpinOnce(-1); continue; }
            try { BeforeSleep?.Invoke(); } catch (Exception ex) { Crash(ex); }
            FlushAll();
            lock (_gate)
            {
                if (_readyClients.Count == 0 && _posted.Count == 0 && !_stopping)
                {
                    _sleeping = true;
                    int wait = _timers.MillisecondsUntilNext();
                    Monitor.Wait(_gate, wait < 0 ? 100 : Math.Min(wait, 100));
                    _sleeping = false;
                }
            }
            spin.Reset();
        }
    }

    void FlushAll()
    {
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

    /// <summary>An exception escaping a command is a bug: log it loudly but keep serving.</summary>
    public Action<Exception>? OnError;

    void Crash(Exception ex)
    {
        if (OnError != null) OnError(ex);
        else Console.Error.WriteLine(ex);
    }
}

/// <summary>Timed events run on the executor thread (cron, active expiry, replication timers).</summary>
public sealed class TimerQueue
{
    readonly PriorityQueue<TimerEntry, long> _queue = new();
    long _sequence;

    public sealed class TimerEntry
    {
        internal Func<int>? Callback; // returns the next delay in ms, or -1 to stop
        internal long Id;
        public bool Cancelled;
    }

    /// <summary>
    /// Runs <paramref name="callback"/> after <paramref name="delayMs"/>; it returns its next delay or -1.
    /// Executor thread only (or before the executor starts).
    /// </summary>
    public TimerEntry Add(int delayMs, Func<int> callback)
    {
        var entry = new TimerEntry { Callback = callback, Id = ++_sequence };
        _queue.Enqueue(entry, Stopwatch.GetTimestamp() + delayMs * Stopwatch.Frequency / 1000);
        return entry;
    }

    public int MillisecondsUntilNext()
    {
        if (!_queue.TryPeek(out _, out long due)) return -1;
        long ticks = due - Stopwatch.GetTimestamp();
        if (ticks <= 0) return 0;
        return (int)Math.Min(int.MaxValue, ticks * 1000 / Stopwatch.Frequency + 1);
    }

    public void RunDue()
    {
        long now = Stopwatch.GetTimestamp();
        while (_queue.TryPeek(out var entry, out long due) && due <= now)
        {
            _queue.Dequeue();
            if (entry.Cancelled) continue;
            int next = entry.Callback!();
            if (next >= 0 && !entry.Cancelled)
                _queue.Enqueue(entry, Stopwatch.GetTimestamp() + next * Stopwatch.Frequency / 1000);
        }
    }
}
