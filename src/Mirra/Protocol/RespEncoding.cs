using System.Buffers.Text;

namespace Mirra.Protocol;

/// <summary>Encodes commands as RESP multibulk (the form of the replication stream and the AOF).</summary>
public static class RespEncoding
{
    public static byte[] EncodeCommand(byte[][] argv)
    {
        byte[] buffer = new byte[MaxEncodedLength(new ArrayArgs(argv))];
        int length = EncodeCommand(new ArrayArgs(argv), ref buffer);
        return length == buffer.Length ? buffer : buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>
    /// Encodes a command into <paramref name="buffer"/> (replaced by a larger one when too small, so a caller can
    /// keep one scratch buffer and encode without allocating) and returns the encoded length.
    /// </summary>
    public static int EncodeCommand<TArgs>(TArgs argv, ref byte[] buffer) where TArgs : ICommandArgs
    {
        int max = MaxEncodedLength(argv);
        if (buffer.Length < max) buffer = new byte[Math.Max(max, buffer.Length * 2)];
        int pos = 0;
        WriteHeader(buffer, ref pos, (byte)'*', argv.Count);
        for (int i = 0; i < argv.Count; i++)
        {
            var a = argv[i];
            WriteHeader(buffer, ref pos, (byte)'$', a.Length);
            a.CopyTo(buffer.AsSpan(pos));
            pos += a.Length;
            buffer[pos++] = (byte)'\r';
            buffer[pos++] = (byte)'\n';
        }
        return pos;
    }

    static int MaxEncodedLength<TArgs>(TArgs argv) where TArgs : ICommandArgs
    {
        int size = 1 + 11 + 2;
        for (int i = 0; i < argv.Count; i++) size += 1 + 11 + 2 + argv[i].Length + 2;
        return size;
    }

    static void WriteHeader(byte[] buffer, ref int pos, byte prefix, int n)
    {
        buffer[pos++] = prefix;
        Utf8Formatter.TryFormat(n, buffer.AsSpan(pos), out int written);
        pos += written;
        buffer[pos++] = (byte)'\r';
        buffer[pos++] = (byte)'\n';
    }
}

/// <summary>The arguments of a command, wherever they live (an array of copies, a client's request buffer).</summary>
public interface ICommandArgs
{
    int Count { get; }
    ReadOnlySpan<byte> this[int i] { get; }
}

/// <summary>Arguments held as an array of byte arrays.</summary>
public readonly struct ArrayArgs(byte[][] argv) : ICommandArgs
{
    public int Count => argv.Length;
    public ReadOnlySpan<byte> this[int i] => argv[i];
}

