using System.Buffers.Text;

namespace Mirra.Protocol;

/// <summary>Where one argument of a parsed command lives inside the receive buffer.</summary>
public readonly record struct ArgRange(int Offset, int Length);

/// <summary>
/// Parses client requests (RESP multibulk or inline, like Redis's processMultibulkBuffer and
/// processInlineBuffer) out of a byte buffer without allocating: every argument is an
/// <see cref="ArgRange"/> into the buffer. The parser is resumable: a command cut in the middle
/// keeps its progress, so a large pipelined command is not rescanned on every receive.
/// </summary>
public sealed class RequestParser
{
    /// <summary>Redis's PROTO_INLINE_MAX_SIZE: longest inline line or count line without a newline.</summary>
    public const int InlineMaxSize = 64 * 1024;

    public long MaxBulkLength = 512L * 1024 * 1024;

    // Progress through the current multibulk command.
    int _expectedArgs;           // 0 = not inside a multibulk
    int _pendingBulkLength = -1; // length announced by the last $ line, not yet read
    readonly List<ArgRange> _partialArgs = new();

    public string? Error { get; private set; }
    /// <summary>Redis's shorter wording of the error for the verbose log line ("invalid mbulk count"...).</summary>
    public string? LogReason { get; private set; }
    /// <summary>Where parsing stood when the error was found (the log's query-buffer excerpt starts there, as in Redis).</summary>
    public int ErrorOffset { get; private set; }

    /// <summary>Commands parsed so far in this pass: argument ranges, and where each command starts.</summary>
    public readonly List<ArgRange> Args = new();
    public readonly List<int> CommandStarts = new();

    /// <summary>True when a command is half parsed (its bytes must survive a buffer move).</summary>
    public bool InsideCommand => _expectedArgs > 0;

    /// <summary>
    /// Parses complete commands from buffer[start..end). Returns the offset of the first byte not
    /// consumed by a complete command. Complete commands are appended to <see cref="Args"/> and
    /// <see cref="CommandStarts"/>. On a protocol error <see cref="Error"/> is set and parsing stops.
    /// <paramref name="authenticated"/> applies Redis's tighter limits to unauthenticated clients.
    /// </summary>
    public int Parse(byte[] buffer, int start, int end, bool authenticated, ref int scanFrom)
    {
        int commandStart = start;
        int pos = Math.Max(start, scanFrom);
        while (pos < end)
        {
            if (_expectedArgs == 0)
            {
                commandStart = pos;
                if (buffer[pos] == (byte)'*')
                {
                    int nl = IndexOfCrlf(buffer, pos + 1, end);
                    if (nl < 0)
                    {
                        if (end - pos > InlineMaxSize) return Fail("too big mbulk count string", "too big mbulk count string", commandStart, pos);
                        break;
                    }
                    if (!TryParseLong(buffer.AsSpan(pos + 1, nl - pos - 1), out long count) || count > int.MaxValue)
                        return Fail("invalid multibulk length", "invalid mbulk count", commandStart, pos);
                    if (!authenticated && count > 10) return Fail("unauthenticated multibulk length", "unauth mbulk count", commandStart, pos);
                    pos = nl + 2;
                    if (count <= 0) { commandStart = pos; continue; }
                    _expectedArgs = (int)count;
                    _partialArgs.Clear();
                    _pendingBulkLength = -1;
                }
                else
                {
                    int lf = Array.IndexOf(buffer, (byte)'\n', pos, end - pos);
                    if (lf < 0)
                    {
                        if (end - pos > InlineMaxSize) return Fail("too big inline request", "too big inline request", commandStart, pos);
                        break;
                    }
                    int lineEnd = lf > pos && buffer[lf - 1] == (byte)'\r' ? lf - 1 : lf;
                    int before = Args.Count;
                    if (!InlineSplitter.Split(buffer, pos, lineEnd, Args))
                    {
                        Args.RemoveRange(before, Args.Count - before);
                        return Fail("unbalanced quotes in request", "unbalanced quotes in inline request", commandStart, pos);
                    }
                    if (Args.Count > before) CommandStarts.Add(before);
                    pos = lf + 1;
                    commandStart = pos;
                }
                continue;
            }

            // Inside a multibulk: read "$len\r\n" then len bytes and CRLF.
            if (_pendingBulkLength < 0)
            {
                if (buffer[pos] != (byte)'$')
                    return Fail($"expected '$', got '{(char)buffer[pos]}'", "expected $ but got something else", commandStart, pos);
                int nl = IndexOfCrlf(buffer, pos + 1, end);
                if (nl < 0)
                {
                    if (end - pos > InlineMaxSize) return Fail("too big bulk count string", "too big bulk count string", commandStart, pos);
                    break;
                }
                if (!TryParseLong(buffer.AsSpan(pos + 1, nl - pos - 1), out long len) || len < 0 || len > MaxBulkLength)
                    return Fail("invalid bulk length", "invalid bulk length", commandStart, pos);
                if (!authenticated && len > 16384) return Fail("unauthenticated bulk length", "unauth bulk length", commandStart, pos);
                _pendingBulkLength = (int)len;
                pos = nl + 2;
            }
            if (end - pos < (long)_pendingBulkLength + 2) break;
            _partialArgs.Add(new ArgRange(pos, _pendingBulkLength));
            pos += _pendingBulkLength + 2; // Redis skips the trailing CRLF without checking it
            _pendingBulkLength = -1;
            if (_partialArgs.Count == _expectedArgs)
            {
                CommandStarts.Add(Args.Count);
                Args.AddRange(_partialArgs);
                _partialArgs.Clear();
                _expectedArgs = 0;
                commandStart = pos;
            }
        }
        scanFrom = pos;
        return commandStart;
    }

    int Fail(string message, string logReason, int at, int parsePosition)
    {
        Error = "Protocol error: " + message;
        LogReason = logReason;
        ErrorOffset = parsePosition;
        _expectedArgs = 0;
        _partialArgs.Clear();
        return at;
    }

    /// <summary>The bytes that a half-parsed command needs in total (0 when unknown), so a reader can size its buffer.</summary>
    public int PendingBulkLength => _pendingBulkLength;

    /// <summary>Moves the half-parsed command's offsets after its bytes were copied elsewhere.</summary>
    public void ShiftPartial(int delta)
    {
        for (int i = 0; i < _partialArgs.Count; i++)
            _partialArgs[i] = new ArgRange(_partialArgs[i].Offset + delta, _partialArgs[i].Length);
    }

    /// <summary>Forgets the commands returned by the last passes (after they were handed to the executor).</summary>
    public void ClearCompleted()
    {
        Args.Clear();
        CommandStarts.Clear();
    }

    public void ClearError()
    {
        Error = null;
        LogReason = null;
    }

    static int IndexOfCrlf(byte[] buffer, int from, int end)
    {
        int i = from;
        while (i < end)
        {
            int cr = Array.IndexOf(buffer, (byte)'\r', i, end - i);
            if (cr < 0 || cr + 1 >= end) return -1;
            if (buffer[cr + 1] == (byte)'\n') return cr;
            i = cr + 1;
        }
        return -1;
    }

    /// <summary>Redis's string2ll rules: optional '-', digits, no spaces, no '+', no leading zeros.</summary>
    public static bool TryParseLong(ReadOnlySpan<byte> s, out long value) => Util.Numbers.TryParseStrictLong(s, out value);
}
