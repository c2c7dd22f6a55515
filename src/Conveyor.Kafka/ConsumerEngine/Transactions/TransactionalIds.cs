namespace Conveyor.Kafka.ConsumerEngine.Transactions;

/// <summary>
/// Hands out transactional ids in this process: <c>&lt;prefix&gt;-&lt;n&gt;</c> with the lowest <c>n</c> not in use, so
/// that two runs of one consumer at once never fence each other, and a consumer restarted after a crash takes the id of
/// the run it replaces — its first <c>InitTransactions</c> then aborts what that run left open, at once rather than
/// after <c>transaction.timeout.ms</c>.
/// </summary>
internal static class TransactionalIds
{
    private static readonly HashSet<string> InUse = new(StringComparer.Ordinal);

    public static string Acquire(string prefix)
    {
        lock (InUse)
        {
            for (var n = 0; ; n++)
            {
                var id = $"{prefix}-{n}";
                if (InUse.Add(id))
                {
                    return id;
                }
            }
        }
    }

    public static void Release(string id)
    {
        lock (InUse)
        {
            InUse.Remove(id);
        }
    }
}
