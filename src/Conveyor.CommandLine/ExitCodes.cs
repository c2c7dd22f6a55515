namespace Conveyor.Hosting.CommandLine;

/// <summary>The exit codes of the <c>conveyor</c> commands (documented in <c>docs/cli.md</c>).</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>A usage error, an unknown name, an invalid configuration or a failed operation; the reason is on stderr.</summary>
    public const int Error = 1;

    /// <summary><c>conveyor run --stop-on-failure</c> stopped because a message finally failed.</summary>
    public const int StoppedOnFailure = 2;
}
