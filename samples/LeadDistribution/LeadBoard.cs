using System.Collections.Concurrent;

namespace LeadDistribution;

/// <summary>What became of each lead, and every notification sent: what the demo prints and the tests check.</summary>
public sealed class LeadBoard
{
    private readonly TaskCompletionSource _allSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = int.MaxValue;

    public ConcurrentDictionary<string, LeadOpened> Open { get; } = new();

    public ConcurrentDictionary<string, string> Unmatched { get; } = new();

    public ConcurrentQueue<NotifyProviderOfLead> Notifications { get; } = new();

    /// <summary>Every exclusive offer the partner-acceptance saga made, as the providers' apps received it.</summary>
    public ConcurrentQueue<LeadOfferedToPartner> Offers { get; } = new();

    /// <summary>The providers whose app accepts an offer at once; the others let it time out.</summary>
    public HashSet<string> Responsive { get; } = new(StringComparer.Ordinal) { "prov-ben", "prov-dara" };

    /// <summary>What the partner-acceptance saga decided per lead: assigned or expired.</summary>
    public ConcurrentDictionary<string, string> Outcomes { get; } = new();

    /// <summary>Completes once <paramref name="leads"/> leads were assigned, expired or found unmatched.</summary>
    public Task WaitForAsync(int leads, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _expected, leads);
        Settle();
        return _allSettled.Task.WaitAsync(timeout, cancellationToken);
    }

    public void Opened(LeadOpened lead) => Open[lead.OrderId] = lead;

    public void Settled(string orderId, string outcome)
    {
        Outcomes[orderId] = outcome;
        Settle();
    }

    public void NoProviders(string orderId, string category)
    {
        Unmatched[orderId] = category;
        Settle();
    }

    private void Settle()
    {
        if (Outcomes.Count + Unmatched.Count >= Volatile.Read(ref _expected))
        {
            _allSettled.TrySetResult();
        }
    }
}
