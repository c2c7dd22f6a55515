using System.Reflection;
using Conveyor;
using Marketplace.Orders;
using Marketplace.Partners;
using Marketplace.Provider;

namespace Marketplace.Demo;

/// <summary>Wraps every handler to put each attempt on the <see cref="Timeline"/>; the handlers themselves know nothing of it.</summary>
public sealed class TimelineInterceptor(Timeline timeline) : IAroundInterceptor
{
    public async ValueTask<object?> AroundAsync(HandlerContext context, Func<ValueTask<object?>> next)
    {
        var startedAt = timeline.Elapsed;
        var attempt = context.Headers.DeliveryAttempt + 1;
        try
        {
            var result = await next();
            timeline.Record(Entry(context, startedAt, attempt, null, willRetry: false));
            return result;
        }
        catch (Exception e)
        {
            var retry = context.Endpoint.Method.GetCustomAttribute<DelayedRetryAttribute>();
            var willRetry = context.Endpoint.IsAsynchronous && retry is not null && attempt <= retry.MaxAttempts && e is not INonRetryableException;
            timeline.Record(Entry(context, startedAt, attempt, $"{e.GetType().Name}: {e.Message}", willRetry));
            throw;
        }
    }

    private static TimelineEntry Entry(HandlerContext context, TimeSpan startedAt, int attempt, string? error, bool willRetry) =>
        new(
            startedAt,
            context.Endpoint.IsAsynchronous ? context.Endpoint.Channel! : "(in-process)",
            context.Endpoint.EndpointId,
            context.Payload switch
            {
                PlaceOrder order => order.OrderId,
                OrderPlaced placed => placed.OrderId,
                StartLeadMatching lead => lead.OrderId,
                LeadOffered offered => offered.OrderId,
                _ => "-",
            },
            context.Payload?.GetType().Name ?? "-",
            attempt,
            error,
            willRetry);
}
