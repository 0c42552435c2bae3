using Mirra.Engine;

namespace Mirra.Replication;

/// <summary>
/// The replica's state for a dual-channel full sync (the I/O is in MasterConnection.DualChannel): the stream kept in
/// memory while the RDB loads (INFO replicas_repl_buffer_size / replicas_repl_buffer_peak), and the first ACK, sent
/// once that kept stream is applied, which puts us online on the master.
/// </summary>
public sealed partial class MasterLink
{
    long _dualChannelBuffer, _dualChannelBufferPeak;
    /// <summary>The applied offset at which the kept stream is applied (-1: none pending), for the master client it was kept for.</summary>
    long _catchUpOffset = -1;
    Client? _catchUpMaster;

    /// <summary>Bytes of the master's stream kept in memory during a dual-channel sync (replicas_repl_buffer_size).</summary>
    public long DualChannelBufferSize => Interlocked.Read(ref _dualChannelBuffer);
    /// <summary>The most ever kept (replicas_repl_buffer_peak).</summary>
    public long DualChannelBufferPeak => Interlocked.Read(ref _dualChannelBufferPeak);

    /// <summary>While the stream kept during a dual-channel sync is applied: no ACK yet (the first one puts us online).</summary>
    bool DualChannelCatchingUp => _catchUpOffset >= 0;

    /// <summary>The main connection got "+CONTINUE": the snapshot's history and offset are the master client's to be.</summary>
    internal void BeginDualChannelTransfer(string replId, long endOffset)
    {
        MasterReplId = replId;
        MasterInitialOffset = endOffset;
        _catchUpOffset = -1;
        _catchUpMaster = null;
        Interlocked.Exchange(ref _dualChannelBuffer, 0);
        BeginTransfer();
    }

    /// <summary>How much of the stream is kept now (the main connection's reader, any thread).</summary>
    internal void DualChannelBuffered(long bytes)
    {
        Interlocked.Exchange(ref _dualChannelBuffer, bytes);
        long peak;
        while (bytes > (peak = Interlocked.Read(ref _dualChannelBufferPeak)) &&
               Interlocked.CompareExchange(ref _dualChannelBufferPeak, bytes, peak) != peak) { }
    }

    /// <summary>
    /// The RDB is loaded and the master client exists: the RDB channel closes; the stream kept meanwhile is read
    /// first, and the first ACK waits until it is applied (<see cref="DualChannelCaughtUp"/>).
    /// </summary>
    internal void DualChannelLoaded(MasterConnection main, MasterConnection.KeptStream kept)
    {
        main.CloseRdbChannel();
        kept.Loaded = true;
        _catchUpMaster = Master;
        _catchUpOffset = long.MaxValue; // not known yet: no ACK meanwhile
    }

    /// <summary>The main connection read everything that was kept, up to <paramref name="readOffset"/>: the ACK follows once it is applied.</summary>
    internal void DualChannelCaughtUp(long readOffset)
    {
        if (_catchUpOffset < 0 || !ReferenceEquals(Master, _catchUpMaster)) return;
        _catchUpOffset = readOffset;
        DualChannelCatchUp();
    }

    /// <summary>Before the executor sleeps: once the kept stream is applied, say so and send the first ACK.</summary>
    void DualChannelCatchUp()
    {
        if (_catchUpOffset < 0) return;
        if (Master == null || !ReferenceEquals(Master, _catchUpMaster))
        {
            _catchUpOffset = -1;
            _catchUpMaster = null;
            return;
        }
        if (AppliedOffset < _catchUpOffset) return;
        _catchUpOffset = -1;
        _catchUpMaster = null;
        Interlocked.Exchange(ref _dualChannelBuffer, 0);
        _server.Log.Notice("Successfully streamed replication data into memory");
        SendAck();
    }
}
