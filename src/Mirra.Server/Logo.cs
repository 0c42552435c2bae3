namespace Mirra.Server;

/// <summary>The startup banner (shown on a terminal or with always-show-logo yes), with version, port and PID.</summary>
static class Logo
{
    public static string Render(int port, int pid)
    {
        string[] art =
        {
            @"        __  ___ _                  ",
            @"       /  |/  /(_)_____ _____ ___ _",
            @"      / /|_/ // // ___// ___// _ `/",
            @"     / /  / // // /   / /   / /_/ / ",
            @"    /_/  /_//_//_/   /_/    \__,_/  ",
            @"                                   ",
            @"                                   ",
        };
        string[] info =
        {
            $"Mirra {Engine.Server.MirraVersion} (Redis {Engine.Server.Version} compatible) 64 bit",
            "",
            "Running in standalone mode",
            $"Port: {port}",
            $"PID: {pid}",
            "",
            "",
        };
        var lines = art.Select((a, i) => (a + "      " + info[i]).TrimEnd());
        return Environment.NewLine + string.Join(Environment.NewLine, lines) + Environment.NewLine + Environment.NewLine;
    }
}
