namespace Mirra.Replication;

/// <summary>
/// One block of the replication buffer: the stream bytes from <see cref="Offset"/> on. Blocks are
/// append-only: bytes below <see cref="Used"/> never change, so a sender thread may read them while
/// the executor appends more; <see cref="Next"/> is set once, when the next block is created.
/// A block trimmed from the buffer may be reused for new bytes (see <see cref="ReplicationBuffer"/>), but
/// only once no cursor points into it and no sender is reading it (<see cref="InFlight"/>).
/// </summary>
public sealed class ReplicationBlock
{
    public readonly byte[] Buffer;
    /// <summary>Replication offset of the block's first byte (offsets count from 1, like Redis's).</summary>
    public long Offset;
    /// <summary>Sequence number of the block (Redis's id): the number of blocks a cursor spans is tail.Id − its block's Id + 1.</summary>
    public long Id { get; private set; }
    volatile int _used;
    volatile ReplicationBlock? _next;
    int _inFlight;

    public ReplicationBlock(int size, long offset, long id)
    {
        Buffer = new byte[size];
        Offset = offset;
        Id = id;
    }

    /// <summary>Sends reading this block's bytes right now (a sender may still be reading after its replica was dropped).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);
    /// <summary>A sender starts reading the block (taken with the position it reads from, under the sender's lock).</summary>
    public void BeginRead() => Interlocked.Increment(ref _inFlight);
    /// <summary>That read is over: the bytes are in the socket or the send failed.</summary>
    public void EndRead() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Makes a trimmed block the new tail's storage: empty, at <paramref name="offset"/>, numbered <paramref name="id"/>.</summary>
    internal void Reuse(long offset, long id)
    {
        Offset = offset;
        Id = id;
        _used = 0;
        _next = null;
    }

    /// <summary>Capacity of the block (Redis's size: what the allocator really gave).</summary>
    public int Size => Buffer.Length;
    /// <summary>Bytes written so far.</summary>
    public int Used { get => _used; internal set => _used = value; }
    public ReplicationBlock? Next { get => _next; internal set => _next = value; }
    /// <summary>Offset just past the last byte written.</summary>
    public long End => Offset + Used;
}

/// <summary>
/// A position in the replication buffer: the block holding the next byte to send and the position in it
/// (Redis's ref_repl_buf_node / ref_block_pos). A cursor keeps its block and every later block alive.
/// </summary>
public struct ReplicationCursor
{
    public ReplicationBlock? Block;
    public int Position;

    public readonly bool IsSet => Block != null;
    /// <summary>Replication offset of the next byte to send.</summary>
    public readonly long Offset => Block == null ? 0 : Block.Offset + Position;
}

/// <summary>
/// Redis 7's shared replication buffer (ARCHITECTURE §5): ONE list of blocks that holds the backlog and every
/// replica's pending output. The backlog keeps the last `repl-backlog-size` bytes (plus up to one block, since
/// it is trimmed a whole block at a time, and never below a block a replica still has to send); each replica is
/// a <see cref="ReplicationCursor"/> into the same blocks, so its output buffer is "tail − cursor" and costs no
/// copy. Block sizes follow Redis's rules (at least 16 KB, at most repl-backlog-size/16, rounded up to what
/// jemalloc would really allocate) so that repl_backlog_histlen, repl_backlog_first_byte_offset, replica omem and
/// client-output-buffer-limit come out as Redis computes them. Executor thread only, except that senders read
/// block bytes below <see cref="ReplicationBlock.Used"/>.
/// <para>
/// Trimmed blocks of the smallest size (nearly all of them: commands are small) are kept in a few spares and
/// reused for the tail. A full backlog otherwise turns every byte written into garbage that dies old, and a
/// replica applying its master's stream would allocate as many bytes of blocks as it receives.
/// </para>
/// </summary>
public sealed class ReplicationBuffer
{
    /// <summary>Redis's PROTO_REPLY_CHUNK_BYTES: the smallest block.</summary>
    public const int MinBlockBytes = 16 * 1024;
    /// <summary>Redis's CONFIG_REPL_BACKLOG_MIN_SIZE.</summary>
    public const long MinBacklogSize = 16 * 1024;
    /// <summary>sizeof(replBufBlock): the header allocated with each block.</summary>
    public const int BlockHeaderBytes = 40;
    /// <summary>sizeof(listNode) + sizeof(replBufBlock): what a block costs beyond its bytes in a replica's output buffer.</summary>
    public const int BlockOverheadBytes = 24 + BlockHeaderBytes;
    /// <summary>Redis's REPL_BACKLOG_TRIM_BLOCKS_PER_CALL.</summary>
    const int TrimBlocksPerCall = 10;
    /// <summary>Trimmed blocks kept for reuse: a trim drops at most <see cref="TrimBlocksPerCall"/> blocks, and appends take them back one by one.</summary>
    const int MaxSpareBlocks = 16;

    ReplicationBlock? _head, _tail;
    readonly Stack<ReplicationBlock> _spare = new();
    long _nextId;
    long _size;

    /// <param name="size">repl-backlog-size (raised to the 16 KB minimum).</param>
    /// <param name="masterOffset">master_repl_offset now: the first byte the backlog will hold is the next one.</param>
    public ReplicationBuffer(long size, long masterOffset)
    {
        _size = Math.Max(size, MinBacklogSize);
        FirstByteOffset = masterOffset + 1;
    }

    /// <summary>Who still needs blocks besides the backlog (the replicas' cursors): set by the owner.</summary>
    public Func<IEnumerable<ReplicationCursor>>? Cursors;

    /// <summary>repl_backlog_size as INFO shows it.</summary>
    public long Size => _size;
    /// <summary>repl_backlog_histlen: bytes the backlog holds.</summary>
    public long HistLen { get; private set; }
    /// <summary>repl_backlog_first_byte_offset.</summary>
    public long FirstByteOffset { get; private set; }
    /// <summary>Redis's repl_buffer_mem (mem_total_replication_buffers): every block with its overhead.</summary>
    public long Memory { get; private set; }
    public ReplicationBlock? Head => _head;
    public ReplicationBlock? Tail => _tail;
    /// <summary>Offset of the last byte held (master_repl_offset on a master).</summary>
    public long EndOffset => FirstByteOffset + HistLen - 1;

    /// <summary>
    /// Appends stream bytes; <paramref name="masterOffsetAfter"/> is master_repl_offset once they are counted.
    /// <paramref name="started"/> learns where the new bytes start (replicas that get their first bytes start there)
    /// before anything is trimmed. Returns that position and whether a block was created (Redis checks the
    /// replicas' output buffer limits then).
    /// </summary>
    public (ReplicationCursor Start, bool NewBlock) Append(ReadOnlySpan<byte> data, long masterOffsetAfter, Action<ReplicationCursor>? started = null)
    {
        long offset = masterOffsetAfter - data.Length; // last byte before these
        var start = default(ReplicationCursor);
        bool newBlock = false, notified = false;
        while (data.Length > 0)
        {
            var tail = _tail;
            if (tail != null && tail.Used < tail.Size)
            {
                if (!start.IsSet) start = new ReplicationCursor { Block = tail, Position = tail.Used };
                int copy = Math.Min(tail.Size - tail.Used, data.Length);
                data[..copy].CopyTo(tail.Buffer.AsSpan(tail.Used));
                tail.Used += copy;
                data = data[copy..];
                offset += copy;
                HistLen += copy;
            }
            bool created = false;
            if (data.Length > 0)
            {
                int size = BlockSizeFor(data.Length, _size);
                var block = NewBlock(size, offset + 1);
                int n = Math.Min(size, data.Length);
                data[..n].CopyTo(block.Buffer);
                block.Used = n;
                if (_tail == null) _head = block; else _tail.Next = block;
                _tail = block;
                Memory += size + BlockOverheadBytes;
                if (!start.IsSet) start = new ReplicationCursor { Block = block, Position = 0 };
                data = data[n..];
                offset += n;
                HistLen += n;
                newBlock = created = true;
            }
            if (!notified)
            {
                notified = true;
                started?.Invoke(start);
            }
            if (created) Trim(TrimBlocksPerCall, offset);
        }
        FirstByteOffset = offset - HistLen + 1;
        return (start, newBlock);
    }

    /// <summary>
    /// Bytes of a new block for <paramref name="length"/> pending bytes: between 16 KB and repl-backlog-size/16,
    /// plus the allocator's rounding (jemalloc size classes), minus the block header.
    /// </summary>
    public static int BlockSizeFor(long length, long backlogSize)
    {
        long limit = Math.Max(backlogSize / 16, MinBlockBytes);
        long size = Math.Min(Math.Max(length, MinBlockBytes), limit);
        return (int)Math.Min(Array.MaxLength, JemallocUsableSize(size + BlockHeaderBytes) - BlockHeaderBytes);
    }

    /// <summary>The size class jemalloc rounds an allocation of <paramref name="n"/> bytes up to (4 classes per doubling).</summary>
    public static long JemallocUsableSize(long n)
    {
        if (n <= 8) return 8;
        if (n <= 128) return (n + 15) & ~15L;
        int k = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(n - 1)); // 2^k < n <= 2^(k+1)
        long spacing = 1L << (k - 2);
        return (n + spacing - 1) / spacing * spacing;
    }

    /// <summary>
    /// Redis's incrementalTrimReplicationBacklog: drops whole blocks from the head while the backlog holds more
    /// than its size even without that block, unless a replica still has to send from it.
    /// </summary>
    public void Trim(int maxBlocks = TrimBlocksPerCall) => Trim(maxBlocks, EndOffset);

    void Trim(int maxBlocks, long endOffset)
    {
        int trimmed = 0;
        while (HistLen > _size && trimmed < maxBlocks)
        {
            var first = _head;
            if (first == null || first.Next == null) break; // never less than one block
            if (IsReferenced(first)) break;
            if (HistLen - first.Size <= _size) break;
            HistLen -= first.Size;
            Memory -= first.Size + BlockOverheadBytes;
            _head = first.Next;
            trimmed++;
            Recycle(first);
        }
        FirstByteOffset = endOffset - HistLen + 1;
    }

    /// <summary>The smallest block's capacity (whatever the backlog size): the one size worth keeping spares of.</summary>
    static readonly int SmallestBlockSize = BlockSizeFor(0, MinBacklogSize);

    /// <summary>A block for the tail: a spare when one of that size is kept, else a new one.</summary>
    ReplicationBlock NewBlock(int size, long offset)
    {
        if (size == SmallestBlockSize && _spare.TryPop(out var spare) && spare.Size == size)
        {
            spare.Reuse(offset, _nextId++);
            return spare;
        }
        return new ReplicationBlock(size, offset, _nextId++);
    }

    /// <summary>
    /// Keeps a block just trimmed for reuse. No cursor points into it (trimming checks), but the sender of a replica
    /// dropped a moment ago may still be reading it: such a block is left to the garbage collector.
    /// </summary>
    void Recycle(ReplicationBlock block)
    {
        if (block.InFlight != 0 || block.Size != SmallestBlockSize || _spare.Count >= MaxSpareBlocks) return;
        _spare.Push(block);
    }

    /// <summary>Trimmed blocks kept for reuse (tests).</summary>
    internal int SpareBlocks => _spare.Count;

    bool IsReferenced(ReplicationBlock block)
    {
        if (Cursors == null) return false;
        foreach (var c in Cursors())
            if (ReferenceEquals(c.Block, block)) return true;
        return false;
    }

    /// <summary>CONFIG SET repl-backlog-size: the content is kept (a smaller size trims at once what is beyond it).</summary>
    public void Resize(long size)
    {
        _size = Math.Max(size, MinBacklogSize);
        Trim(TrimBlocksPerCall);
    }

    /// <summary>True when the backlog holds the stream from <paramref name="offset"/> (the first byte a replica lacks) on.</summary>
    public bool Covers(long offset) => offset >= FirstByteOffset && offset <= FirstByteOffset + HistLen;

    /// <summary>
    /// Redis's addReplyReplicationBacklog: a cursor at <paramref name="offset"/> (which <see cref="Covers"/>), and the
    /// number of bytes from there to the end. With nothing held, the cursor is unset (it starts with the next bytes).
    /// </summary>
    public (ReplicationCursor Cursor, long Length) CursorAt(long offset)
    {
        if (HistLen == 0) return (default, 0);
        var block = _head;
        while (block != null && block.Offset + block.Used < offset) block = block.Next;
        if (block == null) throw new InvalidOperationException("offset beyond the replication buffer");
        long length = HistLen - (offset - FirstByteOffset);
        return (new ReplicationCursor { Block = block, Position = (int)(offset - block.Offset) }, length);
    }

    /// <summary>
    /// Redis's getClientOutputBufferMemoryUsage for a replica: from its cursor's block to the end of the tail
    /// block (its whole capacity), plus the overhead of each block in between.
    /// </summary>
    public long OutputBufferUsage(ReplicationCursor cursor)
    {
        var tail = _tail;
        if (cursor.Block == null || tail == null) return 0;
        return tail.Offset + tail.Size - cursor.Block.Offset + (tail.Id - cursor.Block.Id + 1) * BlockOverheadBytes;
    }

    /// <summary>
    /// After a master restart, offsets continue from the RDB's repl-offset (Redis's rebaseReplicationBuffer):
    /// every block moves by <paramref name="delta"/>.
    /// </summary>
    public void Rebase(long delta)
    {
        for (var b = _head; b != null; b = b.Next) b.Offset += delta;
        FirstByteOffset += delta;
    }
}
