namespace Conveyor.PostgreSql.Deduplication;

/// <summary>
/// The deduplication claims a database channel's batch transaction made (<see cref="Channels.PostgreSqlChannelBatch"/>):
/// every key is a row written in that transaction, not yet committed, and either in use by the unit of work of the
/// message it was claimed for or free. The batch claims the message ids of its
/// messages ahead, in one statement per endpoint; a message's unit of work takes its key from there, and gives it back
/// when it rolls back, so a retry of the message finds it again. At the commit, the free keys (messages that were
/// duplicates, failed, or never reached that endpoint) are deleted and the ones claimed unstamped are stamped.
/// </summary>
internal sealed class BatchClaims
{
    private readonly Dictionary<(string Endpoint, string Key), Claim> _claims = [];
    private readonly HashSet<string> _claimedAhead = [];

    /// <summary>Whether the keys of the batch were claimed ahead for <paramref name="endpoint"/>.</summary>
    public bool ClaimedAhead(string endpoint) => _claimedAhead.Contains(endpoint);

    /// <summary>Records that the keys of the batch are being claimed ahead for <paramref name="endpoint"/>.</summary>
    public void MarkClaimedAhead(string endpoint) => _claimedAhead.Add(endpoint);

    /// <summary>Records a key the transaction claimed; <paramref name="stamp"/> gives its expiry at the commit, null when the row already has it.</summary>
    public void Add(string endpoint, string key, Func<long>? stamp) => _claims[(endpoint, key)] = new Claim { Stamp = stamp };

    /// <summary>Takes a free key the transaction claimed for <paramref name="user"/>; false when there is none.</summary>
    public bool TryUse(string endpoint, string key, object user)
    {
        if (!_claims.TryGetValue((endpoint, key), out var claim) || claim.User is not null)
        {
            return false;
        }

        claim.User = user;
        return true;
    }

    /// <summary>Frees the keys <paramref name="user"/> took: its unit of work rolled back.</summary>
    public void Return(object user)
    {
        foreach (var claim in _claims.Values)
        {
            if (ReferenceEquals(claim.User, user))
            {
                claim.User = null;
            }
        }
    }

    /// <summary>Marks the keys <paramref name="user"/> took as kept: its unit of work committed into the transaction.</summary>
    public void Keep(object user)
    {
        foreach (var claim in _claims.Values)
        {
            if (ReferenceEquals(claim.User, user))
            {
                claim.User = Kept;
            }
        }
    }

    /// <summary>At the commit: the keys nobody kept (to delete), and the kept keys claimed without their expiry (to stamp).</summary>
    public (List<(string Endpoint, string Key)> Unused, List<(string Endpoint, string Key, long ExpiresAt)> Unstamped) ToSettle()
    {
        List<(string, string)> unused = [];
        List<(string, string, long)> unstamped = [];
        foreach (var (entry, claim) in _claims)
        {
            if (!ReferenceEquals(claim.User, Kept))
            {
                unused.Add(entry);
            }
            else if (claim.Stamp is { } stamp)
            {
                unstamped.Add((entry.Endpoint, entry.Key, stamp()));
            }
        }

        return (unused, unstamped);
    }

    private static readonly object Kept = new();

    private sealed class Claim
    {
        public Func<long>? Stamp { get; init; }

        public object? User { get; set; }
    }
}
