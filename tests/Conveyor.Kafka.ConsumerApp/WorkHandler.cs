using Microsoft.Data.Sqlite;

namespace Conveyor.Kafka.ConsumerApp;

/// <summary>Applies <see cref="DoWork"/>: one effect row per message, once, however often it is delivered.</summary>
public sealed class WorkHandler(WorkDatabase database)
{
    /// <summary>Records the call, then applies the effect and marks the message processed in one transaction.</summary>
    /// <param name="work">The work.</param>
    /// <param name="headers">The message's headers (its id).</param>
    /// <param name="cancellationToken">The consumer's token.</param>
    /// <returns>A task that completes once the effect is committed (or found committed already).</returns>
    [Asynchronous(WorkContract.Channel)]
    [CommandHandler(EndpointId = WorkContract.EndpointId)]
    [InstantRetry(5, typeof(SqliteException))]
    public async Task Apply(DoWork work, MessageHeaders headers, CancellationToken cancellationToken)
    {
        var messageId = headers.MessageId ?? throw new InvalidOperationException("A work message without an id cannot be applied once.");
        await database.RecordInvocationAsync(messageId, cancellationToken).ConfigureAwait(false);
        await database.ApplyOnceAsync(WorkContract.EndpointId, messageId, work, cancellationToken).ConfigureAwait(false);
    }
}
