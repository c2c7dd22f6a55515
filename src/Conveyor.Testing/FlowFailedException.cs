namespace Conveyor.Testing;

/// <summary>
/// A message failed while <see cref="ConveyorFlow.RunAsync"/> consumed a channel: its handler threw, and it was
/// scheduled for a delayed retry or finally failed (dead letter, error channel, final failure strategy). Its
/// <see cref="Exception.InnerException"/> is the first failure's exception. A test that expects failures says so with
/// <c>RunAsync(name, expectFailures: true)</c> or <see cref="ConveyorFlowOptions.AllowFailures"/>, and asserts on
/// <see cref="ConveyorFlow.Failures"/>.
/// </summary>
public sealed class FlowFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="failures">The failures of the run, at least one.</param>
    public FlowFailedException(IReadOnlyList<FlowFailure> failures)
        : base(Describe(failures), failures is { Count: > 0 } ? failures[0].Exception : null) =>
        Failures = failures;

    /// <summary>The failures of the run, in the order they happened.</summary>
    public IReadOnlyList<FlowFailure> Failures { get; }

    private static string Describe(IReadOnlyList<FlowFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var lines = failures.Select(f => "  - " + f);
        return $"{failures.Count} message(s) failed in the flow:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}{Environment.NewLine}"
            + "A failing handler fails the flow. If this test expects it, run with RunAsync(name, expectFailures: true) or "
            + "Bootstrap(..., options: new ConveyorFlowOptions { AllowFailures = true }), and assert on flow.Failures.";
    }
}
