using Mediator;

namespace Conveyor.Benchmarks.AsyncHandlerDispatch;

/// <summary>The common Conveyor handler: <c>async</c>, taking the token and a header.</summary>
public sealed class ConveyorReserveStockHandler
{
    [CommandHandler]
    public async Task Handle(ReserveStock command, [Header("tenant")] string? tenant, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Stock.Add(command.Quantity, tenant);
        await Task.CompletedTask.ConfigureAwait(false);
    }
}

/// <summary>Mediator's equivalent: an <c>async</c> handler taking the token, the tenant read from the message.</summary>
public sealed class MediatorReserveStockHandler : ICommandHandler<ReserveStock>
{
    public async ValueTask<Unit> Handle(ReserveStock command, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Stock.Add(command.Quantity, command.Tenant);
        await Task.CompletedTask.ConfigureAwait(false);
        return Unit.Value;
    }
}
