namespace Conveyor.Failures.DeadLetters;

/// <summary>One page of a dead-letter listing.</summary>
/// <param name="Items">The dead letters, oldest first.</param>
/// <param name="Next">
/// Pass as <see cref="DeadLetterQuery.After"/> (with the same filters) for the following page; null when no dead letter
/// follows this page.
/// </param>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetter> Items, string? Next);
