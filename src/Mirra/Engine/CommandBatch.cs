using System.Buffers;
using System.Collections.Concurrent;
using Mirra.Protocol;

namespace Mirra.Engine;

/// <summary>
/// The complete commands of one network read, handed from a network thread to the executor.
/// Arguments are ranges into <see cref="Buffer"/>, a pooled array the executor returns when done,
/// so a pipelined read costs one hand-off and no per-command allocation.
/// </summary>
public sealed class CommandBatch
{
    static readonly ConcurrentBag<CommandBatch> Pool = new();

    public byte[] Buffer = Array.Empty<byte>();
    public ArgRange[] Args = new ArgRange[64];
    public int[] CommandStarts = new int[16];
    public int ArgCount;
    public int CommandCount;
    /// <summary>Index of the next command to execute.</summary>
    public int Next;
    /// <summary>A protocol error found after the last complete command: reply it and close.</summary>
    public string? ProtocolError;
    /// <summary>Redis's log wording of the protocol error, with the query buffer excerpt.</summary>
    public string? ProtocolErrorLog;
    public bool BufferPooled;

    public static CommandBatch Rent() => Pool.TryTake(out var b) ? b : new CommandBatch();

    public void Fill(byte[] buffer, bool pooled, List<ArgRange> args, List<int> starts)
    {
        Buffer = buffer;
        BufferPooled = pooled;
        if (Args.Length < args.Count) Args = new ArgRange[Math.Max(args.Count, Args.Length * 2)];
        if (CommandStarts.Length < starts.Count) CommandStarts = new int[Math.Max(starts.Count, CommandStarts.Length * 2)];
        args.CopyTo(Args);
        starts.CopyTo(CommandStarts);
        ArgCount = args.Count;
        CommandCount = starts.Count;
        Next = 0;
        ProtocolError = null;
        ProtocolErrorLog = null;
    }

    public int ArgCountOf(int command) =>
        (command + 1 < CommandCount ? CommandStarts[command + 1] : ArgCount) - CommandStarts[command];

    public void Recycle()
    {
        if (BufferPooled) ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = Array.Empty<byte>();
        BufferPooled = false;
        if (Args.Length <= 4096) Pool.Add(this);
    }
}
