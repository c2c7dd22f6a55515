using System.Collections.Concurrent;
using Conveyor;
using Ticketing.Tickets;

namespace Ticketing.Notifications;

/// <summary>What the notifier saw: each ticket event with the Kafka partition it came from.</summary>
public sealed class NotificationLog
{
    private readonly ConcurrentQueue<Notification> _entries = new();
    private readonly SemaphoreSlim _added = new(0);

    public IReadOnlyList<Notification> Entries => [.. _entries];

    public void Add(Notification notification)
    {
        _entries.Enqueue(notification);
        _added.Release();
    }

    /// <summary>Waits until <paramref name="condition"/> holds, woken by each new entry; false when <paramref name="patience"/> ran out first.</summary>
    public async Task<bool> WaitUntilAsync(Func<IReadOnlyList<Notification>, bool> condition, TimeSpan patience, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!condition(Entries))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _added.WaitAsync(left, cancellationToken))
            {
                return condition(Entries);
            }
        }

        return true;
    }
}

public sealed record Notification(string TicketId, string What, string AggregateId, string Partition);

/// <summary>Subscribes to the ticket events on the Kafka channel <c>ticket_events</c>.</summary>
public sealed class TicketNotifier(NotificationLog log)
{
    [Asynchronous("ticket_events")]
    [EventHandler(EndpointId = "notifier.opened")]
    public void On(TicketOpened opened, [Header(MessageHeaderNames.AggregateId)] string aggregateId, [Header("kafka_partition")] string partition) =>
        log.Add(new Notification(opened.TicketId, "opened", aggregateId, partition));

    [Asynchronous("ticket_events")]
    [EventHandler(EndpointId = "notifier.closed")]
    public void On(TicketClosed closed, [Header(MessageHeaderNames.AggregateId)] string aggregateId, [Header("kafka_partition")] string partition) =>
        log.Add(new Notification(closed.TicketId, "closed", aggregateId, partition));
}
