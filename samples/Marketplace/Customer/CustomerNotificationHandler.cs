using Conveyor;
using Marketplace.Orders;

namespace Marketplace.Customer;

public sealed class CustomerNotificationHandler(IEmailSender email)
{
    [Asynchronous("customer_notifications")]
    [EventHandler(EndpointId = "customer.email_receipt")]
    public Task EmailReceipt(OrderPlaced e, CancellationToken cancellationToken) =>
        email.SendAsync(
            e.CustomerEmail,
            $"Your order {e.OrderId}",
            $"Thanks! {string.Join(", ", e.Items)} for {e.Total:0.00} EUR. We are finding you a provider.",
            cancellationToken);
}
