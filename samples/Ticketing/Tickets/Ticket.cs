using Conveyor;

namespace Ticketing.Tickets;

public sealed record OpenTicket(string TicketId, string Subject);

public sealed record CloseTicket(string TicketId);

public sealed record TicketOpened(string TicketId, string Subject);

public sealed record TicketClosed(string TicketId);

/// <summary>
/// The ticket: a state-stored aggregate behind the Kafka channel <c>tickets</c>. Commands reach the instance named
/// by their <c>TicketId</c>, and are keyed by it on Kafka, so one ticket's commands stay in order on one partition.
/// </summary>
[Aggregate]
public sealed class Ticket : AggregateRoot
{
    [Identifier]
    public string TicketId { get; private set; } = "";

    public string Subject { get; private set; } = "";

    public bool IsClosed { get; private set; }

    [Asynchronous("tickets")]
    [CommandHandler(EndpointId = "ticket.open")]
    public static Ticket Open(OpenTicket command)
    {
        var ticket = new Ticket { TicketId = command.TicketId, Subject = command.Subject };
        ticket.RecordThat(new TicketOpened(command.TicketId, command.Subject));
        return ticket;
    }

    [Asynchronous("tickets")]
    [CommandHandler(EndpointId = "ticket.close")]
    public void Close(CloseTicket command)
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        RecordThat(new TicketClosed(TicketId));
    }
}
