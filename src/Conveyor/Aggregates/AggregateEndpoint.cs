using Conveyor.Runtime;

namespace Conveyor.Aggregates;

/// <summary>The aggregate side of one command handler on an aggregate class: how it loads, how it saves, and which instance a command is for.</summary>
/// <param name="Instances">Loads the instance (none for a factory).</param>
/// <param name="Results">Saves it and publishes its events.</param>
/// <param name="Identifier">Reads the identifier from a command; null for a factory whose command does not carry it.</param>
internal sealed record AggregateEndpoint(HandlerInstanceStep Instances, HandlerResultStep Results, IdentifierSource? Identifier)
{
    /// <summary>
    /// The partition key of a command sent to this handler: the aggregate's identifier, so that every command of one
    /// instance keeps its order on a partitioned channel. Null when the command carries no valid identifier: the
    /// receiving side fails it with the reason, which a send could only throw.
    /// </summary>
    public string? PartitionKey(object? payload, MessageHeaders headers) =>
        Identifier is not null && Identifier.TryResolve(payload, headers.Get, out var id, out _) ? id : null;
}
