namespace Conveyor.Tests.Hosting.CommandLine;

/// <summary>Tests that redirect <see cref="Console.Out"/> and <see cref="Console.Error"/>: they run alone, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";
}
