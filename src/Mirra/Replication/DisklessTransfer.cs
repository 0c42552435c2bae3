using System.Text;
using Mirra.Persistence;

namespace Mirra.Replication;

/// <summary>
/// A diskless full sync (repl-diskless-sync yes): one fork-less snapshot written straight to the sockets of the
/// replicas that waited for it, framed as Redis frames it ("$EOF:&lt;40 chars&gt;\r\n", the RDB, the same 40 chars).
/// Several replicas share the one snapshot; a replica that fails is dropped and the others go on; when none is
/// left the snapshot is cancelled.
/// </summary>
public sealed class DisklessTransfer
{
    public SnapshotJob? Job;
    /// <summary>Its end was handled (by the snapshot's completion, or by an ACK that came first).</summary>
    public bool Done;
    public readonly List<ReplicaLink> Targets;
    public readonly string Mark;
    public readonly FanoutStream Stream;

    public DisklessTransfer(List<ReplicaLink> targets, string mark, Action<ReplicaLink, string> failed, Action allGone)
    {
        Targets = targets;
        Mark = mark;
        Stream = new FanoutStream(targets, failed, allGone);
    }
}

/// <summary>
/// Wraps the RDB encoder of a diskless sync: the "$EOF:&lt;mark&gt;\r\n" preamble before the RDB and the mark after it,
/// so the replica finds the end of a payload whose length nobody knows in advance.
/// </summary>
public sealed class EofFramedEncoder : ISnapshotEncoder
{
    readonly ISnapshotEncoder _inner;
    readonly Stream _output;
    readonly byte[] _mark;

    public EofFramedEncoder(ISnapshotEncoder inner, Stream output, string mark)
    {
        _inner = inner;
        _output = output;
        _mark = Encoding.ASCII.GetBytes(mark);
    }

    public void Begin(SnapshotInfo info)
    {
        _output.Write("$EOF:"u8);
        _output.Write(_mark);
        _output.Write("\r\n"u8);
        _inner.Begin(info);
    }

    public void SelectDb(int db, long keys, long expires) => _inner.SelectDb(db, keys, expires);
    public void Entry(byte[] key, object value, long expireAtMs) => _inner.Entry(key, value, expireAtMs);

    public void End()
    {
        _inner.End();
        _output.Write(_mark);
    }
}

/// <summary>
/// The destination of a diskless snapshot: every chunk goes to each replica still up, in turn, with blocking
/// sends on the snapshot's writer thread (a slow replica slows the transfer down, as Redis's pipe does). A replica
/// whose socket fails is reported and skipped; once none is left, writes fail and the snapshot stops.
/// </summary>
public sealed class FanoutStream : Stream
{
    readonly List<ReplicaLink> _targets;
    readonly bool[] _dead;
    readonly Action<ReplicaLink, string> _failed;
    readonly Action _allGone;
    int _alive;

    public FanoutStream(List<ReplicaLink> targets, Action<ReplicaLink, string> failed, Action allGone)
    {
        _targets = targets;
        _dead = new bool[targets.Count];
        _alive = targets.Count;
        _failed = failed;
        _allGone = allGone;
    }

    /// <summary>Replicas still receiving (any thread).</summary>
    public int Alive => Volatile.Read(ref _alive);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Alive == 0) throw new IOException("no replica left");
        for (int i = 0; i < _targets.Count; i++)
        {
            if (_dead[i]) continue;
            var output = _targets[i].Output;
            try
            {
                if (output == null) throw new IOException("connection closed");
                output.SendBlocking(buffer);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                _dead[i] = true;
                _failed(_targets[i], ex.Message);
                if (Interlocked.Decrement(ref _alive) == 0)
                {
                    _allGone();
                    throw new IOException("no replica left");
                }
            }
        }
    }

    /// <summary>True while the replica at <paramref name="link"/> still receives.</summary>
    public bool IsAlive(ReplicaLink link)
    {
        int i = _targets.IndexOf(link);
        return i >= 0 && !_dead[i];
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Flush() { }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
