namespace Conveyor.Tests.Aggregates;

public sealed record OpenTicket(string TicketId, string Title);

public sealed record CloseTicket(string TicketId);

public sealed record ReassignTicket(string Number, string Assignee);

public sealed record EscalateTicket(string Reason);

public sealed record CommentOnTicket(string TicketId, string Text);

public sealed record NoteOnTicket(string TicketId, string Text);

public sealed record TicketOpened(string TicketId);

public sealed record TicketClosed(string TicketId);

/// <summary>Lets a number of concurrent handlers load before any of them saves; later arrivals pass at once.</summary>
public sealed class LoadBarrier(int parties)
{
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    public Task ArriveAsync()
    {
        if (Interlocked.Increment(ref _arrived) >= parties)
        {
            _all.TrySetResult();
        }

        return _all.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

[Aggregate]
public sealed class Ticket : AggregateRoot
{
    private Ticket()
    {
    }

    [Identifier]
    public string TicketId { get; private set; } = "";

    public string Title { get; private set; } = "";

    public string? Assignee { get; private set; }

    public bool IsClosed { get; private set; }

    public List<string> Comments { get; private set; } = [];

    [CommandHandler]
    public static Ticket Open(OpenTicket command)
    {
        var ticket = new Ticket { TicketId = command.TicketId, Title = command.Title };
        ticket.RecordThat(new TicketOpened(command.TicketId));
        return ticket;
    }

    [CommandHandler]
    public void Close(CloseTicket command)
    {
        if (IsClosed)
        {
            throw new InvalidOperationException($"Ticket {TicketId} is closed already.");
        }

        IsClosed = true;
        RecordThat(new TicketClosed(TicketId));
    }

    [CommandHandler]
    [IdentifierMapping("TicketId", "payload.Number")]
    public void Reassign(ReassignTicket command) => Assignee = command.Assignee;

    [CommandHandler]
    [IdentifierMapping("TicketId", "header.ticket")]
    [AggregateNotFound(AggregateNotFoundPolicy.Drop)]
    public void Escalate(EscalateTicket command) => Comments.Add("escalated: " + command.Reason);

    [CommandHandler]
    [InstantRetry(3)]
    public async Task Comment(CommentOnTicket command, LoadBarrier barrier)
    {
        await barrier.ArriveAsync();
        Comments.Add(command.Text);
    }

    [CommandHandler]
    public async Task Note(NoteOnTicket command, LoadBarrier barrier)
    {
        await barrier.ArriveAsync();
        Comments.Add(command.Text);
    }
}

public sealed class TicketEvents
{
    public List<(object Event, MessageHeaders Headers)> Seen { get; } = [];

    [EventHandler]
    public void On(TicketOpened opened, MessageHeaders headers) => Seen.Add((opened, headers));

    [EventHandler]
    public void On(TicketClosed closed, MessageHeaders headers) => Seen.Add((closed, headers));
}
