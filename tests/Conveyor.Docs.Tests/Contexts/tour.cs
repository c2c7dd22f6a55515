// What the README's tour uses but does not show: the application's own messages and services.

public sealed record PlaceOrder(string CustomerId, decimal Total);

public sealed record GetOrder(string OrderId);

public sealed record Order(string OrderId, decimal Total);

public sealed record LeadAccepted(string LeadId);

public interface IOrderRepository
{
    Task<string> AddAsync(PlaceOrder command, CancellationToken cancellationToken);

    Task<Order?> FindAsync(string orderId, CancellationToken cancellationToken);
}

public interface IMailer
{
    Task SendReceiptAsync(string orderId, string? tenant, CancellationToken cancellationToken);
}

public interface IShipments
{
    Task ScheduleAsync(Order order, CancellationToken cancellationToken);
}

internal sealed partial class Snippets
{
    private readonly IMailer fakeMailer = null!;
}
