using System.Collections.Concurrent;

namespace Marketplace.Customer;

public interface IEmailSender
{
    Task SendAsync(string to, string subject, string body, CancellationToken cancellationToken);
}

/// <summary>Keeps emails instead of sending them: the demo's stand-in for an SMTP or email API client.</summary>
public sealed class OutboxEmailSender : IEmailSender
{
    public ConcurrentQueue<(string To, string Subject)> Sent { get; } = new();

    public Task SendAsync(string to, string subject, string body, CancellationToken cancellationToken)
    {
        Sent.Enqueue((to, subject));
        return Task.CompletedTask;
    }
}
