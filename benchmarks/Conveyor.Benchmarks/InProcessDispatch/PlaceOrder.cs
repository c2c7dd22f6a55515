namespace Conveyor.Benchmarks.InProcessDispatch;

/// <summary>
/// The command every contender sends. It implements Mediator's marker interface because Mediator.SourceGenerator
/// requires one; Conveyor, Wolverine and MassTransit ignore it, so all four dispatch the very same type.
/// </summary>
public sealed record PlaceOrder(Guid OrderId, int Quantity) : Mediator.ICommand;
