namespace Marketplace.Orders;

/// <summary>A customer orders a service from the marketplace.</summary>
public sealed record PlaceOrder(string OrderId, string CustomerEmail, string Category, IReadOnlyList<string> Items, decimal Total);
