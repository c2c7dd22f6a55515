namespace Conveyor.Failures.DeadLetters;

/// <summary>A dead-letter store in process memory: for development and tests; lost on restart.</summary>
public sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeadLetter> _entries = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        lock (_gate)
        {
            _entries[deadLetter.Id] = deadLetter;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            return ValueTask.FromResult(query.Apply(_entries.Values));
        }
    }

    /// <inheritdoc />
    public ValueTask<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_entries.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_entries.Remove(id));
        }
    }
}
