using System.Collections.Concurrent;
using System.Diagnostics;
using Conveyor;
using Conveyor.Kafka;
using Conveyor.Kafka.Embedded;
using Marketplace.Demo;
using Marketplace.Partners;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Marketplace.Tests;

/// <summary>
/// One order's trace across two services on one Kafka cluster: the marketplace (an HTTP request span around
/// <c>SendAsync(PlaceOrder)</c>, its handlers, the outbox relay) and partner X's integration, another host that consumes
/// the partner topic. Recorded by OpenTelemetry's in-memory exporter. With <c>CONVEYOR_TRACE_PICTURE</c> set to a file
/// path it also draws the trace as an SVG timeline: docs/images/trace-across-services.svg is made with
/// <c>CONVEYOR_TRACE_PICTURE=$PWD/docs/images/trace-across-services.svg dotnet test tests/Marketplace.Tests --filter TracePicture</c>.
/// </summary>
public sealed class TracePictureTests
{
    private static readonly ActivitySource Http = new("Marketplace.Http");

    /// <summary>Partner X's side: what its integration received, and in which trace.</summary>
    public sealed class PartnerInbox
    {
        public ConcurrentQueue<(string OrderId, ActivityTraceId TraceId)> Received { get; } = new();
    }

    public sealed class PartnerXIntegration(PartnerInbox inbox)
    {
        [Asynchronous("partner_x_leads")]
        [CommandHandler(EndpointId = "partner_x.receive_lead")]
        public void Receive(LeadOffered lead) => inbox.Received.Enqueue((lead.OrderId, Activity.Current?.TraceId ?? default));
    }

    [Fact]
    public async Task TracePicture_OneOrder_IsOneTraceFromTheRequestToThePartnersHandler()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(Http.Name).AddConveyorInstrumentation().AddProcessor(new Recorder(spans)).Build();
        using var database = new SqliteFile();

        // The marketplace as 'dotnet run' starts it, with its embedded cluster; partner X's host connects to that cluster.
        var marketplace = Program.CreateHost([database.Argument]);
        var inbox = new PartnerInbox();
        IHost? partner = null;
        var order = MarketplaceDemo.Orders[0];
        try
        {
            await marketplace.StartAsync();
            var cluster = marketplace.Services.GetRequiredService<EmbeddedKafkaCluster>();
            var partnerBuilder = Host.CreateApplicationBuilder([$"--Conveyor:Kafka:BootstrapServers={cluster.BootstrapServers}", "--Conveyor:Kafka:CreateMissingTopics=true"]);
            partnerBuilder.Services
                .AddSingleton(inbox)
                .AddSingleton<IKafkaTopicCreator>(cluster) // the embedded cluster creates topics through its own API
                .AddConveyor(c => c
                    .AddHandler<PartnerXIntegration>()
                    .UseKafka()
                    .AddKafkaChannel("partner_x_leads", topic: "partner_x.lead.offered.v1"));
            partner = partnerBuilder.Build();
            await partner.StartAsync();

            ActivityTraceId traceId;
            using (var request = Http.StartActivity("POST /orders", ActivityKind.Server))
            {
                request.ShouldNotBeNull();
                traceId = request.TraceId;
                await marketplace.Services.GetRequiredService<ICommandBus>().SendAsync(order);
            }

            var deadline = DateTime.UtcNow + MarketplaceDemo.Patience;
            while (inbox.Received.IsEmpty || Trace(spans, traceId).Count(s => s.DisplayName.StartsWith("process ", StringComparison.Ordinal)) < 5)
            {
                (DateTime.UtcNow < deadline).ShouldBeTrue("partner X received the lead and every process span was exported");
                await Task.Delay(50);
            }

            inbox.Received.ShouldHaveSingleItem().ShouldBe((order.OrderId, traceId), "partner X's handler runs in the request's trace");
            var trace = Trace(spans, traceId);
            var root = trace.Single(s => s.DisplayName == "POST /orders");
            var partnerProcess = trace.Single(s => s.DisplayName == "process partner_x_leads");
            Ancestors(trace, partnerProcess).Last().ShouldBe(root, "every span between the request and the partner's handler is in one parent chain");
            trace.ShouldAllBe(s => s == root || s.ParentSpanId != default);

            var picture = Environment.GetEnvironmentVariable("CONVEYOR_TRACE_PICTURE");
            if (!string.IsNullOrWhiteSpace(picture))
            {
                await File.WriteAllTextAsync(picture, TraceTimeline.Svg(trace, root, s => s.DisplayName.Contains("partner_x_leads", StringComparison.Ordinal) ? "partner-x" : "marketplace"));
            }
        }
        finally
        {
            if (partner is not null)
            {
                await partner.StopAsync();
                partner.Dispose();
            }

            await marketplace.StopAsync();
            marketplace.Dispose();
        }
    }

    private static List<Activity> Trace(ConcurrentQueue<Activity> spans, ActivityTraceId traceId) => [.. spans.Where(s => s.TraceId == traceId)];

    private static IEnumerable<Activity> Ancestors(List<Activity> trace, Activity span)
    {
        for (var parent = trace.SingleOrDefault(s => s.SpanId == span.ParentSpanId); parent is not null; parent = trace.SingleOrDefault(s => s.SpanId == parent.ParentSpanId))
        {
            yield return parent;
        }
    }

    /// <summary>Keeps every span as it ends, as an exporter would receive it.</summary>
    private sealed class Recorder(ConcurrentQueue<Activity> spans) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => spans.Enqueue(data);
    }
}
