using Conveyor;
using Marketplace.Orders;

namespace Marketplace.Analytics;

public sealed class AnalyticsRecorder(SalesDashboard dashboard)
{
    [Asynchronous("analytics")]
    [EventHandler(EndpointId = "analytics.record_order")]
    public void RecordOrder(OrderPlaced e) => dashboard.Record(e.Category, e.Total);
}
