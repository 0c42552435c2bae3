using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mirra.Engine;

namespace Mirra.Persistence.Aof;

/// <summary>What loading one AOF file (or all of them) came to (Redis's AOF_OK, AOF_NOT_EXIST...).</summary>
public enum AofLoadStatus { Ok, NotExist, Empty, OpenError, Failed, Truncated }

/// <summary>
/// Replays AOF files into the keyspace (Redis's loadSingleAppendOnlyFile and loadAppendOnlyFiles): an
/// RDB at the start of a file ("REDIS": an RDB base, or the preamble of an old single AOF) goes through
/// <see cref="RdbLoader"/>, then the file is read command by command (RESP multibulk, "#" annotation
/// lines such as "#TS:" skipped) and each command runs through an internal client that never gets
/// replies nor blocks; MULTI/EXEC in the file work as for a client. A torn tail is cut back to the last
/// complete command when aof-load-truncated is yes (an unfinished MULTI at the end counts as torn);
/// otherwise, like a malformed command, it stops the server with Redis's log lines. Nothing expires
/// while loading (<see cref="Storage.Keyspace.Loading"/>).
/// </summary>
public sealed class AofLoader
{
    /// <summary>Redis's AOF_ANNOTATION_LINE_MAX_LEN: the buffer lines are read into (fgets keeps one byte for the NUL).</summary>
    public const int LineMax = 1024;

    readonly Server _server;

    /// <summary>
    /// Seam to the RDB reader: loads the RDB that starts at the stream's position ("REDIS" magic) into the
    /// server's keyspace and returns the offset in the stream where the RDB ended (the rest, if any, is AOF
    /// commands). Throws on a malformed RDB (its message is logged). Null: RDB bases cannot be loaded.
    /// </summary>
    public Func<Stream, long>? RdbLoader;

    /// <summary>Called every 1024 commands with the bytes loaded so far (INFO's loading fields, serving -LOADING meanwhile).</summary>
    public Action<long>? Progress;
    long _bytesOfEarlierFiles;
    int _commandsSinceProgress;

    /// <summary>After <see cref="LoadAll"/>: bytes of the base and incr files (aof_current_size) and of the base (aof_base_size).</summary>
    public long TotalSize, BaseSize;

    public AofLoader(Server server) => _server = server;

    /// <summary>
    /// Loads the base and incr files of <paramref name="manifest"/> from <paramref name="dirPath"/> (Redis's
    /// loadAppendOnlyFiles without the upgrade step). A truncated file that is not the last is fatal.
    /// </summary>
    public AofLoadStatus LoadAll(AofManifest manifest, string dirPath)
    {
        if (manifest.Base == null && manifest.Incr.Count == 0) return AofLoadStatus.NotExist;
        var log = _server.Log;
        int totalFiles = (manifest.Base != null ? 1 : 0) + manifest.Incr.Count;

        long total = 0;
        var files = new List<AofFileInfo>();
        if (manifest.Base != null) files.Add(manifest.Base);
        files.AddRange(manifest.Incr);
        foreach (var f in files)
        {
            var fi = new FileInfo(Path.Combine(dirPath, f.FileName));
            if (!fi.Exists)
            {
                // An AOF the manifest lists but the disk lacks is fatal.
                log.Warning($"Unable to obtain the AOF file {f.FileName} length. stat: No such file or directory");
                return AofLoadStatus.Failed;
            }
            total += fi.Length;
        }
        if (total == 0) return AofLoadStatus.Empty;

        var keyspace = _server.Keyspace;
        keyspace.Loading = true;
        try
        {
            var status = AofLoadStatus.Ok;
            int loaded = 0;
            long baseSize = 0;
            foreach (var f in files)
            {
                bool isBase = ReferenceEquals(f, manifest.Base);
                if (isBase) baseSize = new FileInfo(Path.Combine(dirPath, f.FileName)).Length;
                bool lastFile = ++loaded == totalFiles;
                long start = Stopwatch.GetTimestamp();
                status = LoadFile(dirPath, f.FileName);
                _bytesOfEarlierFiles += new FileInfo(Path.Combine(dirPath, f.FileName)).Length;
                if (status == AofLoadStatus.Ok || (status == AofLoadStatus.Truncated && lastFile))
                    log.Notice($"DB loaded from {(isBase ? "base" : "incr")} file {f.FileName}: {Seconds(start)} seconds");
                // Data exists (total > 0), so an empty incr file is just empty.
                if (!isBase && status == AofLoadStatus.Empty) status = AofLoadStatus.Ok;
                if (status == AofLoadStatus.Truncated && !lastFile)
                {
                    status = AofLoadStatus.Failed;
                    log.Warning("Fatal error: the truncated file is not the last file");
                }
                if (status is AofLoadStatus.OpenError or AofLoadStatus.Failed) return status;
            }
            TotalSize = total;
            BaseSize = baseSize;
            return status;
        }
        finally
        {
            keyspace.Loading = false;
        }
    }

    /// <summary>Seconds since <paramref name="start"/> as Redis prints them ("%.3f").</summary>
    public static string Seconds(long start) =>
        ((float)((Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency)).ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>
    /// Replays one file (Redis's loadSingleAppendOnlyFile). <paramref name="fileName"/> equal to appendfilename
    /// marks an old-style single AOF, whose RDB part is a "preamble" followed by an AOF tail.
    /// </summary>
    public AofLoadStatus LoadFile(string dirPath, string fileName)
    {
        var log = _server.Log;
        string path = Path.Combine(dirPath, fileName);
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan); }
        catch (FileNotFoundException ex)
        {
            log.Warning($"The append log file {fileName} doesn't exist: {Config.ConfigText.Strerror(ex)}");
            return AofLoadStatus.NotExist;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.Warning($"Fatal error: can't open the append log file {fileName} for reading: {Config.ConfigText.Strerror(ex)}");
            return AofLoadStatus.OpenError;
        }
        using (fs)
        {
            if (fs.Length == 0) return AofLoadStatus.Empty;
            try { return Replay(fs, path, fileName); }
            catch (IOException ex)
            {
                log.Warning($"Unrecoverable error reading the append only file {fileName}: {Config.ConfigText.Strerror(ex)}");
                return AofLoadStatus.Failed;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A command that failed unexpectedly (a bug): the dataset would be incomplete, so the server must not start.
                log.Warning($"Unexpected error loading the append only file {fileName}: {ex}");
                return AofLoadStatus.Failed;
            }
        }
    }

    AofLoadStatus Replay(FileStream fs, string path, string fileName)
    {
        var log = _server.Log;
        var config = _server.Config;
        var reader = new Reader(fs);
        var client = new Client
        {
            Db = _server.Keyspace[0],
            Authenticated = true,
            Flags = ClientFlags.DenyBlocking,
            Name = Encoding.ASCII.GetBytes("aof-loader"),
        };
        var ctx = new CommandContext(_server);
        bool truncatedAllowed = config.AofLoadTruncated;
        long validUpTo = 0, validBeforeMulti = 0;

        // An RDB (the base file, or the preamble of an old single AOF) comes first when the file starts with "REDIS".
        Span<byte> sig = stackalloc byte[5];
        if (reader.ReadExact(sig) && sig.SequenceEqual("REDIS"u8))
        {
            bool oldStyle = fileName == config.AppendFileName;
            log.Notice(oldStyle ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...");
            long end;
            try
            {
                if (RdbLoader == null) throw new InvalidOperationException("this server has no RDB loader");
                fs.Position = 0;
                end = RdbLoader(fs);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                log.Warning(ex.Message);
                log.Warning(oldStyle ? $"Error reading the RDB preamble of the AOF file {fileName}, AOF loading aborted"
                    : $"Error reading the RDB base file {fileName}, AOF loading aborted");
                return AofLoadStatus.Failed;
            }
            reader.Reset(end);
            if (oldStyle) log.Notice("Reading the remaining AOF tail...");
        }
        else reader.Reset(0);

        // Where a torn file is cut: after the last whole command, or before an unfinished transaction.
        long Cut() => client.Is(ClientFlags.Multi) ? validBeforeMulti : validUpTo;
        var line = new byte[LineMax];
        var argv = new List<byte[]>();
        while (true)
        {
            int n = reader.ReadLine(line);
            if (n == 0) break; // end of file between two commands
            if (line[0] == '#') continue; // annotations (#TS:...)
            if (line[0] != '*') return BadFormat(fileName);
            if (n == 1) return ShortRead(fs, path, fileName, truncatedAllowed, Cut()); // "*" then the end
            long argc = Atol(line.AsSpan(1, n - 1));
            if (argc < 1) return BadFormat(fileName);

            argv.Clear();
            for (long j = 0; j < argc; j++)
            {
                int m = reader.ReadLine(line);
                if (m == 0) return ShortRead(fs, path, fileName, truncatedAllowed, Cut());
                if (line[0] != '$') return BadFormat(fileName);
                long len = Atol(line.AsSpan(1, m - 1));
                if (len < 0 || len > int.MaxValue) return BadFormat(fileName);
                if (len > reader.Remaining) return ShortRead(fs, path, fileName, truncatedAllowed, Cut());
                var arg = new byte[len];
                if (!reader.ReadExact(arg)) return ShortRead(fs, path, fileName, truncatedAllowed, Cut());
                // The CRLF after the argument is skipped without looking at it.
                if (!reader.Skip(2)) return ShortRead(fs, path, fileName, truncatedAllowed, Cut());
                argv.Add(arg);
            }

            var args = argv.ToArray();
            var command = Lookup(args);
            if (command == null)
            {
                log.Warning($"Unknown command '{Encoding.Latin1.GetString(args[0])}' reading the append only file {fileName}");
                return AofLoadStatus.Failed;
            }
            // Redis does not check arities here (and crashes on a bad one): a command of the wrong shape is a malformed file.
            if ((command.Arity > 0 && args.Length != command.Arity) || args.Length < -command.Arity) return BadFormat(fileName);

            bool isMulti = command.Parent == null && command.Name == "multi";
            bool isExec = command.Parent == null && command.Name == "exec";
            if (isMulti) validBeforeMulti = validUpTo;
            Run(ctx, client, command, args, queue: client.Is(ClientFlags.Multi) && !isExec);
            if (truncatedAllowed) validUpTo = reader.Position;
            if (Progress != null && ++_commandsSinceProgress >= 1024)
            {
                _commandsSinceProgress = 0;
                Progress(_bytesOfEarlierFiles + reader.Position);
            }
        }

        // A transaction the file does not finish is dropped like a torn command.
        if (client.Is(ClientFlags.Multi))
        {
            log.Warning($"Revert incomplete MULTI/EXEC transaction in AOF file {fileName}");
            _server.Transactions.Discard(client);
            return ShortRead(fs, path, fileName, truncatedAllowed, validBeforeMulti);
        }
        return AofLoadStatus.Ok;
    }

    /// <summary>Runs one command of the file for the internal client, as Redis calls the command's proc (no statistics, no reply kept).</summary>
    void Run(CommandContext ctx, Client client, CommandSpec command, byte[][] args, bool queue)
    {
        var server = _server;
        server.Keyspace.NowMs = server.Clock.NowMs();
        ctx.SetArgs(args);
        ctx.Client = client;
        ctx.Reply = client.Reply;
        ctx.Command = command;
        ctx.Failed = false;
        if (queue)
        {
            server.Transactions.Queue(ctx, client, command);
        }
        else
        {
            server.Propagation.BeginCommand();
            command.Handler!(ctx);
            server.Propagation.EndCommand();
        }
        client.Reply.Clear();
    }

    CommandSpec? Lookup(byte[][] args)
    {
        var command = _server.Commands.Find(args[0]);
        if (command?.Subcommands != null && args.Length >= 2)
            command = command.Subcommands.GetValueOrDefault(Encoding.Latin1.GetString(args[1]));
        return command;
    }

    AofLoadStatus BadFormat(string fileName)
    {
        _server.Log.Warning($"Bad file format reading the append only file {fileName}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>");
        return AofLoadStatus.Failed;
    }

    /// <summary>
    /// The file ends inside a command: cut it back to <paramref name="validUpTo"/> when allowed, otherwise refuse it.
    /// Inside a transaction the cut goes before its MULTI. (Redis 7.0 cuts after the last queued command there, so
    /// the writes appended after the cut are dropped with the unfinished transaction at the next start.)
    /// </summary>
    AofLoadStatus ShortRead(FileStream fs, string path, string fileName, bool truncatedAllowed, long validUpTo)
    {
        var log = _server.Log;
        if (truncatedAllowed)
        {
            log.Warning($"!!! Warning: short read while loading the AOF file {fileName}!!!");
            log.Warning($"!!! Truncating the AOF {fileName} at offset {validUpTo} !!!");
            string? error = null;
            try
            {
                using var w = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                w.SetLength(validUpTo);
                w.Flush(flushToDisk: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { error = Config.ConfigText.Strerror(ex); }
            if (error != null) log.Warning($"Error truncating the AOF file {fileName}: {error}");
            else
            {
                log.Warning($"AOF {fileName} loaded anyway because aof-load-truncated is enabled");
                return AofLoadStatus.Truncated;
            }
        }
        log.Warning($"Unexpected end of file reading the append only file {fileName}. You can: " +
                    "1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. " +
                    "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.");
        return AofLoadStatus.Failed;
    }

    /// <summary>C's strtol/atoi base 10: leading white space, a sign, the digits that follow (0 when none).</summary>
    static long Atol(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        long v = 0;
        for (; i < s.Length && s[i] >= '0' && s[i] <= '9'; i++)
        {
            v = v * 10 + (s[i] - '0');
            if (v > int.MaxValue * 4L) break; // far beyond anything loadable: no overflow games
        }
        return negative ? -v : v;
    }

    /// <summary>Buffered reading with fgets/fread semantics and the absolute offset of what was consumed.</summary>
    sealed class Reader
    {
        readonly Stream _stream;
        readonly byte[] _buffer = new byte[64 * 1024];
        int _pos, _end;
        long _bufferStart;

        public Reader(Stream stream) => _stream = stream;

        /// <summary>Offset of the next byte to read.</summary>
        public long Position => _bufferStart + _pos;
        public long Remaining => _stream.Length - Position;

        public void Reset(long position)
        {
            _stream.Position = position;
            _bufferStart = position;
            _pos = _end = 0;
        }

        bool Fill()
        {
            _bufferStart += _end;
            _pos = _end = 0;
            int n = _stream.Read(_buffer, 0, _buffer.Length);
            _end = n;
            return n > 0;
        }

        /// <summary>fgets(buf, LineMax): up to LineMax-1 bytes, stopping after '\n'. Returns the length, 0 at the end of the file.</summary>
        public int ReadLine(byte[] line)
        {
            int n = 0;
            while (n < line.Length - 1)
            {
                if (_pos == _end && !Fill()) break;
                byte b = _buffer[_pos++];
                line[n++] = b;
                if (b == '\n') break;
            }
            return n;
        }

        /// <summary>fread of exactly dest.Length bytes; false when the file ends first.</summary>
        public bool ReadExact(Span<byte> dest)
        {
            int n = 0;
            while (n < dest.Length)
            {
                if (_pos == _end && !Fill()) return false;
                int take = Math.Min(dest.Length - n, _end - _pos);
                _buffer.AsSpan(_pos, take).CopyTo(dest[n..]);
                _pos += take;
                n += take;
            }
            return true;
        }

        public bool Skip(int count)
        {
            Span<byte> tmp = stackalloc byte[8];
            return ReadExact(tmp[..count]);
        }
    }
}
