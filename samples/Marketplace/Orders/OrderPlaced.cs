using Conveyor;

namespace Marketplace.Orders;

/// <summary>An order was accepted. Its name on the wire is stable, whatever this class is called or wherever it lives.</summary>
[Message("marketplace.order.placed")]
public sealed record OrderPlaced(string OrderId, string CustomerEmail, string Category, IReadOnlyList<string> Items, decimal Total);
