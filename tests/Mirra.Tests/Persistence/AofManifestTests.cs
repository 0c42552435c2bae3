using System.Text;
using Mirra.Persistence.Aof;

namespace Mirra.Tests.Persistence;

/// <summary>The manifest format, its errors and file naming, checked against what redis-server 7.0.15 writes and refuses.</summary>
public class AofManifestTests
{
    static AofManifest Parse(string text) => AofManifest.Parse(Encoding.Latin1.GetBytes(text));

    [Fact]
    public void FormatsLikeRedisBaseThenHistoryThenIncr()
    {
        var m = new AofManifest();
        Assert.Equal("appendonly.aof.1.base.rdb", m.NewBaseFileName("appendonly.aof", rdb: true));
        Assert.Equal("appendonly.aof.1.incr.aof", m.NewIncrFileName("appendonly.aof"));
        Assert.Equal("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", m.Format());

        // A rewrite: a new incr file, then a new base; the old base and the rewritten incr become history.
        m.NewIncrFileName("appendonly.aof");
        Assert.Equal("appendonly.aof.2.base.aof", m.NewBaseFileName("appendonly.aof", rdb: false));
        m.MarkRewrittenIncrAsHistory(keepLast: true);
        Assert.Equal(
            "file appendonly.aof.2.base.aof seq 2 type b\n" +
            "file appendonly.aof.1.incr.aof seq 1 type h\n" +
            "file appendonly.aof.1.base.rdb seq 1 type h\n" +
            "file appendonly.aof.2.incr.aof seq 2 type i\n", m.Format());
        Assert.True(m.Dirty);
    }

    [Fact]
    public void ParsesWhatItFormats()
    {
        const string text = "file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.2.incr.aof seq 2 type h\nfile appendonly.aof.4.incr.aof seq 4 type i\nfile appendonly.aof.5.incr.aof seq 5 type i\n";
        var m = Parse(text);
        Assert.Equal(text, m.Format());
        Assert.Equal(3, m.CurrentBaseSeq);
        Assert.Equal(5, m.CurrentIncrSeq);
        Assert.Equal("appendonly.aof.5.incr.aof", m.LastIncrFileName("appendonly.aof"));
        Assert.Equal("appendonly.aof.6.incr.aof", m.NewIncrFileName("appendonly.aof"));
    }

    [Fact]
    public void KeysInAnyOrderAnyCaseExtraKeysAndCommentsAreAccepted()
    {
        // What redis-server accepts: keys in any order and case, unknown key/value pairs, "# ..." lines,
        // surrounding blanks, and only the first letter of the type.
        var m = Parse("# written by hand\n  type i seq 1 file appendonly.aof.1.incr.aof extra 5  \nFILE x.base SEQ 7 TYPE bx\n");
        Assert.Equal("file x.base seq 7 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", m.Format());
    }

    [Fact]
    public void NamesWithSpacesOrControlCharactersAreQuotedLikeSdscatrepr()
    {
        var m = new AofManifest();
        m.Base = new AofFileInfo("my aof.1.base.rdb", 1, AofFileType.Base);
        m.Incr.Add(new AofFileInfo("a\"b\tc\n\x01\xe9.incr", 2, AofFileType.Incr));
        string text = m.Format();
        Assert.Equal("file \"my aof.1.base.rdb\" seq 1 type b\nfile \"a\\\"b\\tc\\n\\x01\\xe9.incr\" seq 2 type i\n", text);
        var back = Parse(text);
        Assert.Equal("my aof.1.base.rdb", back.Base!.FileName);
        Assert.Equal("a\"b\tc\n\x01\xe9.incr", back.Incr[0].FileName);
        // A backslash is quoted too, but a name holding one is refused when read (it could be a path).
        Assert.Equal("file \"a\\\\b\" seq 1 type h\n", new AofFileInfo("a\\b", 1, AofFileType.History).Format());
    }

    [Theory]
    // Each case was fed to redis-server 7.0.15 (appendonly yes); these are the lines it logged before exiting.
    [InlineData("", "Found an empty AOF manifest", 0, null)]
    [InlineData("\n", "Invalid AOF manifest file format", 1, "")]
    [InlineData("file appendonly.aof.1.incr.aof seq 1\n", "Invalid AOF manifest file format", 1, "file appendonly.aof.1.incr.aof seq 1")]
    [InlineData("file a seq 1 type i x\n", "Invalid AOF manifest file format", 1, "file a seq 1 type i x")]
    [InlineData("file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.base.aof seq 1 type b\n", "Found duplicate base file information", 2, "file appendonly.aof.1.base.aof seq 1 type b")]
    [InlineData("file appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n", "Found a non-monotonic sequence number", 2, "file appendonly.aof.1.incr.aof seq 1 type i")]
    [InlineData("file a seq 1 type i\nfile b seq 1 type i\n", "Found a non-monotonic sequence number", 2, "file b seq 1 type i")]
    [InlineData("file appendonly.aof.1.incr.aof seq 1 type x\n", "Unknown AOF file type", 1, "file appendonly.aof.1.incr.aof seq 1 type x")]
    [InlineData("file ../x seq 1 type i\n", "File can't be a path, just a filename", 1, "file ../x seq 1 type i")]
    [InlineData("file appendonly.aof.1.incr.aof seq 1 type i", "The AOF manifest file contains too long line", 0, null)]
    [InlineData("file appendonly.aof.1.incr.aof seq 0 type i\n", "Invalid AOF manifest file format", 1, "file appendonly.aof.1.incr.aof seq 0 type i")]
    [InlineData("file appendonly.aof.1.incr.aof seq abc type i\n", "Invalid AOF manifest file format", 1, "file appendonly.aof.1.incr.aof seq abc type i")]
    [InlineData("file \"appendonly.aof.1.incr.aof seq 1 type i\n", "Invalid AOF manifest file format", 1, "file \"appendonly.aof.1.incr.aof seq 1 type i")]
    [InlineData("file a seq 1 type \"\"\n", "Invalid AOF manifest file format", 1, "file a seq 1 type \"\"")]
    [InlineData("seq 1 type i seq 2 type i\n", "Invalid AOF manifest file format", 1, "seq 1 type i seq 2 type i")]
    public void BadManifestsAreRefusedWithRedisTexts(string text, string error, int line, string? lineText)
    {
        var ex = Assert.Throws<AofManifestException>(() => Parse(text));
        Assert.Equal(error, ex.Message);
        Assert.Equal(line, ex.LineNumber);
        Assert.Equal(lineText, ex.Line);
    }

    [Fact]
    public void LinesAreReadIn1024ByteChunksLikeFgets()
    {
        // A comment longer than the buffer: its second chunk is a line of its own (not a comment).
        string longComment = "#" + new string('c', 1100) + "\n";
        var ex = Assert.Throws<AofManifestException>(() => Parse(longComment + "file a seq 1 type i\n"));
        Assert.Equal("Invalid AOF manifest file format", ex.Message);
        Assert.Equal(2, ex.LineNumber);
        // Exactly 1024 characters with the newline fit; the last line of a file needs its newline, unless it is a comment.
        string name = new string('n', 1024 - "file  seq 1 type i\n".Length);
        Assert.Equal(name, Parse($"file {name} seq 1 type i\n").Incr[0].FileName);
        Assert.Throws<AofManifestException>(() => Parse($"file {name}x seq 1 type i\n"));
        Assert.Single(Parse("file a seq 1 type i\n# no newline").Incr);
    }

    [Fact]
    public void SequenceNumbersAreReadLikeAtoll()
    {
        Assert.Equal(12, Parse("file a seq 12abc type i\n").Incr[0].Seq);
        Assert.Equal(-3, Parse("file a seq -3 type b\n").Base!.Seq);
        Assert.Equal("Found a non-monotonic sequence number", Assert.Throws<AofManifestException>(() => Parse("file a seq -3 type i\n")).Message);
    }

    [Fact]
    public void HistoryFilesDoNotCountForTheIncrSequence()
    {
        var m = Parse("file a seq 9 type h\nfile b seq 1 type i\nfile c seq 3 type h\n");
        Assert.Equal(2, m.History.Count);
        Assert.Equal(1, m.CurrentIncrSeq);
        Assert.Equal(0, m.CurrentBaseSeq);
        Assert.Equal("file a seq 9 type h\nfile c seq 3 type h\nfile b seq 1 type i\n", m.Format());
    }

    [Fact]
    public void MarkRewrittenIncrAsHistoryWithoutAnOpenFileMovesThemAll()
    {
        var m = Parse("file b seq 1 type b\nfile i1 seq 1 type i\nfile i2 seq 2 type i\n");
        m.MarkRewrittenIncrAsHistory(keepLast: false);
        Assert.Empty(m.Incr);
        Assert.Equal("file b seq 1 type b\nfile i1 seq 1 type h\nfile i2 seq 2 type h\n", m.Format());
    }

    [Fact]
    public void FileNamesFollowAppendFilename()
    {
        Assert.Equal("my.aof.manifest", AofManifest.ManifestFileName("my.aof"));
        Assert.Equal("temp-my.aof.manifest", AofManifest.TempManifestFileName("my.aof"));
        Assert.Equal("temp-my.aof.incr", AofManifest.TempIncrFileName("my.aof"));
        var m = new AofManifest();
        Assert.Equal("my.aof.1.base.aof", m.NewBaseFileName("my.aof", rdb: false));
        Assert.Equal("my.aof.1.incr.aof", m.LastIncrFileName("my.aof"));
        Assert.Equal("my.aof.1.incr.aof", m.LastIncrFileName("my.aof"));
    }

    [Fact]
    public void WriteAtomicallyReplacesTheManifestAndLeavesNoTempFile()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["appendonly.aof.manifest"], "old");
        Assert.Null(AofManifest.WriteAtomically(dir.Path, "appendonly.aof", "file a seq 1 type i\n"));
        Assert.Equal("file a seq 1 type i\n", File.ReadAllText(dir["appendonly.aof.manifest"]));
        Assert.False(File.Exists(dir["temp-appendonly.aof.manifest"]));
        Assert.Equal("file a seq 1 type i\n", AofManifest.Load(dir["appendonly.aof.manifest"]).Format());
    }

    [Fact]
    public void WriteAtomicallyReportsAnUnwritableDirectoryLikeRedis()
    {
        using var dir = new TempDir();
        string missing = Path.Combine(dir.Path, "nope");
        Assert.Equal("Can't open the AOF manifest file temp-appendonly.aof.manifest: No such file or directory",
            AofManifest.WriteAtomically(missing, "appendonly.aof", "x"));
    }
}
