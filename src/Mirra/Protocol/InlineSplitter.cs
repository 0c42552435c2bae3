namespace Mirra.Protocol;

/// <summary>
/// Splits an inline command line into arguments with the quoting rules of Redis's sdssplitargs
/// ("..." with \n \r \t \b \a \\ \" \xHH escapes, '...' with \' only). Unescaped bytes are written
/// back into the same buffer (they are never longer than their escaped form), so no copy is made.
/// </summary>
public static class InlineSplitter
{
    public static bool Split(byte[] buf, int pos, int end, List<ArgRange> args)
    {
        while (true)
        {
            while (pos < end && IsSpace(buf[pos])) pos++;
            if (pos >= end) return true;
            int outStart = pos, write = pos;
            bool inDouble = false, inSingle = false, done = false;
            while (!done)
            {
                if (inDouble)
                {
                    if (pos >= end) return false; // unterminated quotes
                    byte c = buf[pos];
                    if (c == '\\' && pos + 3 < end && buf[pos + 1] == 'x' && IsHex(buf[pos + 2]) && IsHex(buf[pos + 3]))
                    {
                        buf[write++] = (byte)(HexValue(buf[pos + 2]) * 16 + HexValue(buf[pos + 3]));
                        pos += 4;
                    }
                    else if (c == '\\' && pos + 1 < end)
                    {
                        byte e = buf[pos + 1];
                        buf[write++] = e switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            _ => e,
                        };
                        pos += 2;
                    }
                    else if (c == '"')
                    {
                        // The closing quote must be followed by a space or the end of the line.
                        if (pos + 1 < end && !IsSpace(buf[pos + 1])) return false;
                        pos++;
                        done = true;
                    }
                    else { buf[write++] = c; pos++; }
                }
                else if (inSingle)
                {
                    if (pos >= end) return false;
                    byte c = buf[pos];
                    if (c == '\\' && pos + 1 < end && buf[pos + 1] == '\'') { buf[write++] = (byte)'\''; pos += 2; }
                    else if (c == '\'')
                    {
                        if (pos + 1 < end && !IsSpace(buf[pos + 1])) return false;
                        pos++;
                        done = true;
                    }
                    else { buf[write++] = c; pos++; }
                }
                else
                {
                    if (pos >= end) { done = true; break; }
                    byte c = buf[pos];
                    if (IsSpace(c)) { done = true; break; }
                    if (c == '"') { inDouble = true; pos++; }
                    else if (c == '\'') { inSingle = true; pos++; }
                    else { buf[write++] = c; pos++; }
                }
            }
            args.Add(new ArgRange(outStart, write - outStart));
        }
    }

    static bool IsSpace(byte c) => c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
    static bool IsHex(byte c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
