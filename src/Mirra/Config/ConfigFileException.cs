namespace Mirra.Config;

/// <summary>
/// A fatal configuration error. <see cref="Exception.Message"/> is exactly what redis-server prints before it exits
/// with status 1, so the caller can write it to stderr unchanged:
/// <code>
///
/// *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
/// Reading the configuration file, at line 2
/// >>> 'foo bar'
/// Bad directive or wrong number of arguments
/// </code>
/// (a leading empty line, and a trailing newline). Errors found after the lines were read (e.g. "Can't open the log
/// file: ...") have no "Reading"/">>>" lines. When <see cref="IsLogMessage"/> is true (a config file that cannot be
/// opened), Redis instead logs the message as a warning log line ("Fatal error, can't open config file '...': ...")
/// and exits with status 1.
/// </summary>
public sealed class ConfigFileException : Exception
{
    /// <summary>The version string in the banner: kept as Redis's, since operators and tools grep for it.</summary>
    public const string BannerVersion = "7.0.15";

    private ConfigFileException(string message, string reason, int? lineNumber, string? line, bool isLogMessage)
        : base(message)
    {
        Reason = reason;
        LineNumber = lineNumber;
        Line = line;
        IsLogMessage = isLogMessage;
    }

    /// <summary>The last line of the message, e.g. "argument couldn't be parsed into an integer".</summary>
    public string Reason { get; }

    /// <summary>1-based line in the text that was being parsed (file + stdin + command-line options, or an included file).</summary>
    public int? LineNumber { get; }

    /// <summary>The offending line, trimmed.</summary>
    public string? Line { get; }

    /// <summary>True when Redis would log <see cref="Exception.Message"/> with its log prefix rather than print the banner.</summary>
    public bool IsLogMessage { get; }

    /// <summary>An error at a given line: the engine uses this for rename-command, user and loadmodule lines it rejects.</summary>
    public static ConfigFileException AtLine(int lineNumber, string line, string reason) => new(
        $"\n*** FATAL CONFIG FILE ERROR (Redis {BannerVersion}) ***\nReading the configuration file, at line {lineNumber}\n>>> '{line}'\n{reason}\n",
        reason, lineNumber, line, false);

    /// <summary>An error found after the lines were read (no line shown).</summary>
    public static ConfigFileException WithoutLine(string reason) => new(
        $"\n*** FATAL CONFIG FILE ERROR (Redis {BannerVersion}) ***\n{reason}\n", reason, null, null, false);

    /// <summary>"Fatal error, can't open config file '...': ..." (logged by Redis, exit status 1).</summary>
    public static ConfigFileException CannotOpen(string path, string error)
    {
        string msg = $"Fatal error, can't open config file '{path}': {error}";
        return new ConfigFileException(msg, msg, null, null, true);
    }
}

/// <summary>
/// A config file line that the registry keeps for another part of the engine to act on
/// (rename-command, user, loadmodule, sentinel). <see cref="Args"/> excludes the directive name.
/// </summary>
public sealed record ConfigFileLine(string Directive, string[] Args, int LineNumber, string Line)
{
    /// <summary>Builds the fatal error Redis prints for this line, e.g. Fail("No such command in rename-command").</summary>
    public ConfigFileException Fail(string reason) => ConfigFileException.AtLine(LineNumber, Line, reason);
}
