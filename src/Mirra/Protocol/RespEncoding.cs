using System.Buffers.Text;

namespace Mirra.Protocol;

/// <summary>Encodes commands as RESP multibulk (the form of the replication stream and the AOF).</summary>
public static class RespEncoding
{
    public static byte[] EncodeCommand(byte[][] argv)
    {
        int size = 1 + 11 + 2;
        foreach (var a in argv) size += 1 + 11 + 2 + a.Length + 2;
        var buffer = new byte[size];
        int pos = 0;
        WriteHeader(buffer, ref pos, (byte)'*', argv.Length);
        foreach (var a in argv)
        {
            WriteHeader(buffer, ref pos, (byte)'$', a.Length);
            a.CopyTo(buffer, pos);
            pos += a.Length;
            buffer[pos++] = (byte)'\r';
            buffer[pos++] = (byte)'\n';
        }
        return buffer.AsSpan(0, pos).ToArray();
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
