namespace Conveyor.Benchmarks.AsyncHandlerDispatch;

/// <summary>
/// The command of the asynchronous-handler benchmark. Mediator has no headers, so its message carries the tenant as a
/// property; Conveyor's handler reads it from the <c>tenant</c> header the sender adds, as a Conveyor user would.
/// </summary>
public sealed record ReserveStock(string Sku, int Quantity, string Tenant) : Mediator.ICommand;
