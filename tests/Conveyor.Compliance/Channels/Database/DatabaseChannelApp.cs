using System.Collections.Concurrent;

namespace Conveyor.Compliance.Channels.Database;

// The application the database channels' end-to-end tests (SQLite, PostgreSQL) run: handlers on the "shipping" and
// "work" channels and what they record. One set, so that the stores' tests run the same application.

/// <summary>A command handled on the "shipping" channel.</summary>
/// <param name="Id">The order's id, which the handler records.</param>
public sealed record ShipOrder(string Id);

/// <summary>A command handled on the "work" channel.</summary>
/// <param name="Number">What the handler records.</param>
public sealed record Work(int Number);

/// <summary>The ids <see cref="Shipping"/> handled, in the order it handled them.</summary>
public sealed class Shipped
{
    /// <summary>The handled ids.</summary>
    public ConcurrentQueue<string> Ids { get; } = new();
}

/// <summary>Records each <see cref="ShipOrder"/> of the "shipping" channel in <see cref="Shipped"/>.</summary>
/// <param name="shipped">Where it records.</param>
public sealed class Shipping(Shipped shipped)
{
    /// <summary>Records the order's id.</summary>
    /// <param name="order">The command.</param>
    [Asynchronous("shipping")]
    [CommandHandler(EndpointId = "shipping.ship")]
    public void Handle(ShipOrder order) => shipped.Ids.Enqueue(order.Id);
}

/// <summary>Records which host handled which number.</summary>
/// <param name="handled">This host's record.</param>
public sealed class Worker(Handled handled)
{
    /// <summary>Records the number.</summary>
    /// <param name="work">The command.</param>
    [Asynchronous("work")]
    [CommandHandler(EndpointId = "work.do")]
    public void Handle(Work work) => handled.Add(work.Number);
}

/// <summary>One host's view of a record that all competing hosts share.</summary>
/// <param name="host">The host's name.</param>
/// <param name="all">What every host handled, as (host, number).</param>
public sealed class Handled(string host, ConcurrentQueue<(string Host, int Number)> all)
{
    /// <summary>Records that this host handled <paramref name="number"/>.</summary>
    /// <param name="number">The handled number.</param>
    public void Add(int number) => all.Enqueue((host, number));
}
