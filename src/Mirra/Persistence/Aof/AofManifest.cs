using System.Text;
using Mirra.Config;

namespace Mirra.Persistence.Aof;

/// <summary>The three kinds of files a Redis 7 manifest lists; the value is the letter written after "type".</summary>
public enum AofFileType : byte
{
    Base = (byte)'b',
    History = (byte)'h',
    Incr = (byte)'i',
}

/// <summary>One line of the manifest: a file name (no path), its sequence number and its type.</summary>
public sealed class AofFileInfo
{
    public string FileName;
    public long Seq;
    public AofFileType Type;

    public AofFileInfo(string fileName, long seq, AofFileType type)
    {
        FileName = fileName;
        Seq = seq;
        Type = type;
    }

    public AofFileInfo Clone() => new(FileName, Seq, Type);

    /// <summary>The manifest line: "file NAME seq N type T\n", the name quoted like sdscatrepr when it needs to be.</summary>
    public string Format() => $"file {(NeedsRepr(FileName) ? ConfigText.Repr(FileName) : FileName)} seq {Seq} type {(char)Type}\n";

    /// <summary>Redis's sdsneedsrepr: backslash, quote, control or non-printable characters, or white space.</summary>
    static bool NeedsRepr(string s)
    {
        foreach (char c in s)
            if (c == '\\' || c == '"' || c < 0x20 || c > 0x7e || c == ' ') return true;
        return false;
    }

    public override string ToString() => Format().TrimEnd('\n');
}

/// <summary>A manifest that cannot be read; Redis logs the line and the reason, then exits.</summary>
public sealed class AofManifestException : Exception
{
    /// <summary>1-based number of the offending line, 0 when the error is not about a line.</summary>
    public int LineNumber { get; }
    /// <summary>The offending line, trimmed of spaces and line endings; null when the error is not about a line.</summary>
    public string? Line { get; }

    public AofManifestException(string message, int lineNumber = 0, string? line = null) : base(message)
    {
        LineNumber = lineNumber;
        Line = line;
    }
}

/// <summary>
/// Redis 7's multi-part AOF manifest (appendonlydir/&lt;appendfilename&gt;.manifest): at most one BASE
/// file (the snapshot of the last rewrite), HISTORY files waiting to be deleted, and the ordered INCR
/// files holding the commands written since. Parsing follows aofLoadManifestFromFile (errors carry
/// Redis's texts), formatting getAofManifestAsString (base, then history, then incr), and names follow
/// Redis's rules: &lt;appendfilename&gt;.&lt;seq&gt;.base.rdb|aof, &lt;appendfilename&gt;.&lt;seq&gt;.incr.aof.
/// Names are Latin-1 strings (one char per byte), like every config string.
/// </summary>
public sealed class AofManifest
{
    public const string BaseSuffix = ".base", IncrSuffix = ".incr", RdbFormatSuffix = ".rdb", AofFormatSuffix = ".aof";
    public const string ManifestSuffix = ".manifest", TempPrefix = "temp-";
    /// <summary>Redis's MANIFEST_MAX_LINE.</summary>
    public const int MaxLine = 1024;

    public AofFileInfo? Base;
    public readonly List<AofFileInfo> History = new();
    public readonly List<AofFileInfo> Incr = new();
    public long CurrentBaseSeq;
    public long CurrentIncrSeq;
    /// <summary>Changed since it was last written to disk.</summary>
    public bool Dirty;

    public static string ManifestFileName(string appendFileName) => appendFileName + ManifestSuffix;
    public static string TempManifestFileName(string appendFileName) => TempPrefix + appendFileName + ManifestSuffix;
    /// <summary>The incr file written while AOF is being turned on, renamed once the first base exists.</summary>
    public static string TempIncrFileName(string appendFileName) => TempPrefix + appendFileName + IncrSuffix;

    public AofManifest Clone()
    {
        var m = new AofManifest { Base = Base?.Clone(), CurrentBaseSeq = CurrentBaseSeq, CurrentIncrSeq = CurrentIncrSeq, Dirty = Dirty };
        foreach (var h in History) m.History.Add(h.Clone());
        foreach (var i in Incr) m.Incr.Add(i.Clone());
        return m;
    }

    /// <summary>The manifest's text: the base first, then history files, then incr files.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        if (Base != null) sb.Append(Base.Format());
        foreach (var h in History) sb.Append(h.Format());
        foreach (var i in Incr) sb.Append(i.Format());
        return sb.ToString();
    }

    /// <summary>
    /// A new base file name (seq + 1, ".rdb" when the base is an RDB), the previous base becoming the first history file.
    /// </summary>
    public string NewBaseFileName(string appendFileName, bool rdb)
    {
        if (Base != null)
        {
            Base.Type = AofFileType.History;
            History.Insert(0, Base);
        }
        Base = new AofFileInfo($"{appendFileName}.{++CurrentBaseSeq}{BaseSuffix}{(rdb ? RdbFormatSuffix : AofFormatSuffix)}", CurrentBaseSeq, AofFileType.Base);
        Dirty = true;
        return Base.FileName;
    }

    /// <summary>A new incr file name (seq + 1), added at the end of the incr list.</summary>
    public string NewIncrFileName(string appendFileName)
    {
        var info = new AofFileInfo($"{appendFileName}.{++CurrentIncrSeq}{IncrSuffix}{AofFormatSuffix}", CurrentIncrSeq, AofFileType.Incr);
        Incr.Add(info);
        Dirty = true;
        return info.FileName;
    }

    /// <summary>The last incr file, or a new one when there is none.</summary>
    public string LastIncrFileName(string appendFileName) => Incr.Count > 0 ? Incr[^1].FileName : NewIncrFileName(appendFileName);

    /// <summary>
    /// After a successful rewrite: the incr files the new base contains become history (newest first at the
    /// head of the history list). When AOF is on, the last incr file is the one being written and stays.
    /// </summary>
    public void MarkRewrittenIncrAsHistory(bool keepLast)
    {
        if (Incr.Count == 0) return;
        int end = keepLast ? Incr.Count - 1 : Incr.Count;
        for (int i = end - 1; i >= 0; i--)
        {
            var h = Incr[i].Clone();
            h.Type = AofFileType.History;
            History.Insert(0, h);
        }
        Incr.RemoveRange(0, end);
        Dirty = true;
    }

    // ------------------------------------------------------------------ parsing

    /// <summary>Parses a manifest (its raw bytes) with Redis's rules; throws <see cref="AofManifestException"/> with Redis's texts.</summary>
    public static AofManifest Parse(ReadOnlySpan<byte> content)
    {
        var m = new AofManifest();
        long maxSeq = 0;
        int lineNumber = 0;
        int pos = 0;
        while (true)
        {
            // fgets(buf, MANIFEST_MAX_LINE + 1): at most 1024 characters, up to and including '\n'.
            if (pos >= content.Length)
            {
                if (lineNumber == 0) throw new AofManifestException("Found an empty AOF manifest");
                break;
            }
            int max = Math.Min(MaxLine, content.Length - pos);
            int nl = content.Slice(pos, max).IndexOf((byte)'\n');
            int chunkLength = nl >= 0 ? nl + 1 : max;
            var chunk = content.Slice(pos, chunkLength);
            pos += chunkLength;
            lineNumber++;

            if (chunk[0] == '#') continue; // comments
            if (nl < 0) throw new AofManifestException("The AOF manifest file contains too long line");

            string line = Encoding.Latin1.GetString(chunk).Trim(' ', '\t', '\r', '\n');
            if (line.Length == 0) throw new AofManifestException("Invalid AOF manifest file format", lineNumber, line);

            var argv = ConfigText.SplitArgs(line);
            // 'argc < 6' leaves room for keys added by later versions.
            if (argv == null || argv.Count < 6 || argv.Count % 2 != 0)
                throw new AofManifestException("Invalid AOF manifest file format", lineNumber, line);

            string? name = null;
            long seq = 0;
            char type = '\0';
            for (int i = 0; i < argv.Count; i += 2)
            {
                if (argv[i].Equals("file", StringComparison.OrdinalIgnoreCase))
                {
                    name = argv[i + 1];
                    if (name.Contains('/') || name.Contains('\\'))
                        throw new AofManifestException("File can't be a path, just a filename", lineNumber, line);
                }
                else if (argv[i].Equals("seq", StringComparison.OrdinalIgnoreCase)) seq = Atoll(argv[i + 1]);
                else if (argv[i].Equals("type", StringComparison.OrdinalIgnoreCase)) type = argv[i + 1].Length > 0 ? argv[i + 1][0] : '\0';
            }
            if (name == null || seq == 0 || type == '\0')
                throw new AofManifestException("Invalid AOF manifest file format", lineNumber, line);

            switch (type)
            {
                case 'b':
                    if (m.Base != null) throw new AofManifestException("Found duplicate base file information", lineNumber, line);
                    m.Base = new AofFileInfo(name, seq, AofFileType.Base);
                    m.CurrentBaseSeq = seq;
                    break;
                case 'h':
                    m.History.Add(new AofFileInfo(name, seq, AofFileType.History));
                    break;
                case 'i':
                    if (seq <= maxSeq) throw new AofManifestException("Found a non-monotonic sequence number", lineNumber, line);
                    m.Incr.Add(new AofFileInfo(name, seq, AofFileType.Incr));
                    m.CurrentIncrSeq = seq;
                    maxSeq = seq;
                    break;
                default:
                    throw new AofManifestException("Unknown AOF file type", lineNumber, line);
            }
        }
        return m;
    }

    /// <summary>C's atoll: leading white space, an optional sign, then as many digits as there are (0 when none).</summary>
    static long Atoll(string s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        long v = 0;
        for (; i < s.Length && s[i] >= '0' && s[i] <= '9'; i++)
            v = unchecked(v * 10 + (s[i] - '0'));
        return negative ? -v : v;
    }

    // ------------------------------------------------------------------ disk

    /// <summary>
    /// Redis's writeAofManifestFile: the text goes to temp-&lt;name&gt;.manifest, is fsynced, renamed over the
    /// manifest, and the directory is fsynced. Returns null on success or the warning Redis logs.
    /// </summary>
    public static string? WriteAtomically(string dirPath, string appendFileName, string content)
    {
        string name = ManifestFileName(appendFileName), tmpName = TempManifestFileName(appendFileName);
        string path = Path.Combine(dirPath, name), tmpPath = Path.Combine(dirPath, tmpName);
        int fd = NativeFile.Open(tmpPath, NativeFile.O_WRONLY | NativeFile.O_TRUNC | NativeFile.O_CREAT);
        if (fd < 0) return $"Can't open the AOF manifest file {tmpName}: {NativeFile.StrError(NativeFile.LastErrno)}";
        try
        {
            var bytes = Encoding.Latin1.GetBytes(content);
            if (NativeFile.Write(fd, bytes) != bytes.Length)
                return $"Error trying to write the temporary AOF manifest file {tmpName}: {NativeFile.StrError(NativeFile.LastErrno)}";
            if (NativeFile.DataSync(fd) < 0)
                return $"Fail to fsync the temp AOF file {tmpName}: {NativeFile.StrError(NativeFile.LastErrno)}.";
        }
        finally
        {
            NativeFile.Close(fd);
        }
        try { File.Move(tmpPath, path, overwrite: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"Error trying to rename the temporary AOF manifest file {tmpName} into {name}: {ConfigText.Strerror(ex)}";
        }
        if (NativeFile.SyncDirectoryOf(path) < 0)
            return $"Fail to fsync AOF directory {path}: {NativeFile.StrError(NativeFile.LastErrno)}.";
        return null;
    }

    /// <summary>Reads and parses the manifest file at <paramref name="path"/> (see <see cref="Parse"/>).</summary>
    public static AofManifest Load(string path) => Parse(File.ReadAllBytes(path));
}
