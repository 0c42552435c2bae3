using System.Globalization;

namespace Mirra.Observability;

public enum LogLevel { Debug = 0, Verbose = 1, Notice = 2, Warning = 3, Nothing = 4 }

/// <summary>
/// Redis's log format: "pid:R dd Mon yyyy HH:MM:SS.mmm L message", where R is the role
/// (M master, S replica, X sentinel) and L the level mark (. - * #). Written to stdout or
/// the logfile and flushed per line, from any thread.
/// </summary>
public sealed class Log
{
    readonly object _gate = new();
    TextWriter _out = Console.Out;
    string _path = "";
    readonly int _pid = Environment.ProcessId;

    public LogLevel Level = LogLevel.Notice;
    /// <summary>'M' master, 'S' replica, 'X' sentinel.</summary>
    public char Role = 'M';

    /// <summary>Switches to a log file ("" = standard output). Returns an error text or null.</summary>
    public string? SetFile(string path)
    {
        lock (_gate)
        {
            if (path == _path) return null;
            TextWriter next;
            if (path == "") next = Console.Out;
            else
            {
                try { next = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true }; }
                catch (Exception ex) { return $"Can't open the log file: {ex.Message}"; }
            }
            if (_path != "") _out.Dispose();
            _out = next;
            _path = path;
            return null;
        }
    }

    public static bool TryParseLevel(string name, out LogLevel level)
    {
        level = name.ToLowerInvariant() switch
        {
            "debug" => LogLevel.Debug,
            "verbose" => LogLevel.Verbose,
            "notice" => LogLevel.Notice,
            "warning" => LogLevel.Warning,
            "nothing" => LogLevel.Nothing,
            _ => (LogLevel)(-1),
        };
        return level >= 0;
    }

    public void Debug(string message) => Write(LogLevel.Debug, message);
    public void Verbose(string message) => Write(LogLevel.Verbose, message);
    public void Notice(string message) => Write(LogLevel.Notice, message);
    public void Warning(string message) => Write(LogLevel.Warning, message);

    public bool Enabled(LogLevel level) => level >= Level && Level != LogLevel.Nothing;

    public void Write(LogLevel level, string message)
    {
        if (!Enabled(level)) return;
        var now = DateTime.Now;
        char mark = level switch { LogLevel.Debug => '.', LogLevel.Verbose => '-', LogLevel.Notice => '*', _ => '#' };
        string line = $"{_pid}:{Role} {now.ToString("dd MMM yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture)} {mark} {message}";
        lock (_gate)
        {
            _out.WriteLine(line);
            _out.Flush();
        }
    }

    /// <summary>Writes text as is (the ASCII logo), flushed.</summary>
    public void Raw(string text)
    {
        lock (_gate)
        {
            _out.Write(text);
            _out.Flush();
        }
    }
}
