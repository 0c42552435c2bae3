using System.Diagnostics;
using System.Text;

namespace Mirra.IntegrationTests.Infrastructure;

/// <summary>Result of running an external program.</summary>
public sealed record ToolResult(string Tool, IReadOnlyList<string> Args, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() =>
        $"{Tool} {string.Join(' ', Args)} -> exit {ExitCode}\n--- stdout ---\n{Tail(Stdout)}\n--- stderr ---\n{Tail(Stderr)}";

    static string Tail(string s) => s.Length <= 4000 ? s : "..." + s[^4000..];
}

/// <summary>
/// Runs the real Redis tools (redis-cli, redis-benchmark, redis-check-rdb, ...) with a timeout.
/// A missing tool is a test failure with a message saying what to install, never a silent skip.
/// </summary>
public static class ExternalTool
{
    /// <summary>Full path of a program on PATH; throws a clear error when it is not installed.</summary>
    public static string Locate(string name)
    {
        if (name.Contains('/'))
        {
            if (File.Exists(name)) return name;
            throw new FileNotFoundException($"'{name}' does not exist.", name);
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':'))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(
            $"'{name}' was not found on PATH. The integration tests need the real Redis 7 tools: " +
            "install them with `apt-get install -y redis-server redis-tools redis-sentinel` (the test command should do this).",
            name);
    }

    /// <summary>
    /// Runs <paramref name="tool"/> with <paramref name="args"/>, feeding <paramref name="stdin"/> (stdin is
    /// closed right away when null). Kills the tool and throws TimeoutException (with its output so far)
    /// when it runs longer than <paramref name="timeout"/> (default 60 s).
    /// </summary>
    public static ToolResult Run(string tool, IEnumerable<string> args, byte[]? stdin = null, TimeSpan? timeout = null)
    {
        var path = Locate(tool);
        var argList = args.ToList();
        var psi = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in argList) psi.ArgumentList.Add(a);

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {path}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var feeder = Task.Run(() =>
        {
            try
            {
                if (stdin != null) p.StandardInput.BaseStream.Write(stdin);
                p.StandardInput.Close();
            }
            catch (IOException) { /* the tool exited before reading all input; its exit code tells */ }
        });

        if (!p.WaitForExit(limit))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(5000);
            throw new TimeoutException(
                $"{tool} {string.Join(' ', argList)} did not finish within {limit.TotalSeconds:0.#} s; killed.\n" +
                $"--- stdout ---\n{Partial(stdout)}\n--- stderr ---\n{Partial(stderr)}");
        }
        p.WaitForExit(); // drains the redirected streams
        feeder.Wait(TimeSpan.FromSeconds(5));
        return new ToolResult(tool, argList, p.ExitCode, stdout.Result, stderr.Result);
    }

    static string Partial(Task<string> t) => t.Wait(TimeSpan.FromSeconds(2)) ? t.Result : "(unavailable)";
}

/// <summary>The real redis-cli, pointed at a server on 127.0.0.1.</summary>
public static class RedisCli
{
    /// <summary>redis-cli -h 127.0.0.1 -p port args...</summary>
    public static ToolResult Run(int port, params string[] args) => Run(port, args, null);

    public static ToolResult Run(int port, IEnumerable<string> args, byte[]? stdin, TimeSpan? timeout = null) =>
        ExternalTool.Run("redis-cli", new[] { "-h", "127.0.0.1", "-p", port.ToString() }.Concat(args), stdin, timeout);

    /// <summary>Feeds a RESP command stream with redis-cli --pipe. Its summary line
    /// ("errors: 0, replies: N") is on stdout.</summary>
    public static ToolResult Pipe(int port, byte[] respStream, TimeSpan? timeout = null) =>
        Run(port, new[] { "--pipe" }, respStream, timeout ?? TimeSpan.FromSeconds(120));

    /// <summary>Builds a --pipe stream out of commands.</summary>
    public static byte[] BuildPipeStream(IEnumerable<string[]> commands)
    {
        using var ms = new MemoryStream();
        foreach (var c in commands) RespClient.AppendCommand(ms, c);
        return ms.ToArray();
    }

    /// <summary>Parses "errors: E, replies: R" from redis-cli --pipe output; throws if absent.</summary>
    public static (long Errors, long Replies) ParsePipeSummary(ToolResult r)
    {
        var m = System.Text.RegularExpressions.Regex.Match(r.Stdout, @"errors:\s*(\d+),\s*replies:\s*(\d+)");
        if (!m.Success) throw new InvalidOperationException($"no --pipe summary in output:\n{r}");
        return (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value));
    }
}
