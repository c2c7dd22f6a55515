namespace Conveyor.Benchmarks.AsyncPublish;

/// <summary>The event published: a small payload of the size a real event has (~120 bytes of JSON).</summary>
public sealed record OrderPlaced(Guid OrderId, string CustomerId, decimal Total, int Lines, DateTimeOffset PlacedAt);
