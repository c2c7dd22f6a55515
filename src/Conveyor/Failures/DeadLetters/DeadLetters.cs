using Conveyor.Channels;
using Conveyor.Runtime;

namespace Conveyor.Failures.DeadLetters;

/// <summary>The dead-letter operations over the application's store and the stores channels keep themselves (Kafka topics).</summary>
internal sealed class DeadLetters(IDeadLetterStore store, ConveyorRuntime runtime) : IDeadLetters
{
    private static readonly string[] FailureHeaders =
    [
        MessageHeaderNames.ExceptionType, MessageHeaderNames.ExceptionMessage, MessageHeaderNames.FailedChannel,
        MessageHeaderNames.FailedEndpoint, MessageHeaderNames.DeliveryAttempt,
    ];

    private IEnumerable<IDeadLetterStore> Stores =>
        runtime.Channels.Values.OfType<IReceivingChannel>().Select(c => c.DeadLetters).OfType<IDeadLetterStore>().Prepend(store).Distinct();

    public async ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new DeadLetterQuery();

        // Each store's first page after the cursor holds every entry of the merged page that store contributes, so
        // merging those pages and cutting once gives the merged page; more follow when any store had more.
        var merged = new List<DeadLetter>();
        var more = false;
        foreach (var source in Stores)
        {
            var page = await source.ListAsync(query, cancellationToken).ConfigureAwait(false);
            merged.AddRange(page.Items);
            more |= page.Next is not null;
        }

        merged.Sort((a, b) => DeadLetterPosition.Of(a).CompareTo(DeadLetterPosition.Of(b)));
        var result = query.Page(merged);
        return result.Next is null && more && result.Items.Count > 0
            ? result with { Next = DeadLetterPosition.Of(result.Items[^1]).ToToken() }
            : result;
    }

    public async ValueTask<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await FindAsync(id, cancellationToken).ConfigureAwait(false)).DeadLetter;

    public async ValueTask ReplayAsync(string id, CancellationToken cancellationToken = default)
    {
        var (deadLetter, owner) = await FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (deadLetter is null || owner is null)
        {
            throw new KeyNotFoundException($"There is no dead letter '{id}'. 'conveyor dlq list' shows the ids.");
        }

        var message = deadLetter.Message.Copy();
        foreach (var header in FailureHeaders)
        {
            message.Headers.Set(header, null);
        }

        string channel;
        if (runtime.Endpoints.TryGetValue(deadLetter.EndpointId, out var endpoint) && endpoint.Info.IsAsynchronous)
        {
            channel = endpoint.Info.Channel!;
            message.Headers.Set(MessageHeaderNames.TargetEndpoint, endpoint.Id);
        }
        else if (runtime.Channels.ContainsKey(deadLetter.ChannelName))
        {
            channel = deadLetter.ChannelName;
        }
        else
        {
            throw new InvalidOperationException(
                $"Dead letter '{id}' came from endpoint '{deadLetter.EndpointId}' on channel '{deadLetter.ChannelName}', neither of which exists in this service.");
        }

        var target = runtime.Channels[channel];
        await (target is IReceivingChannel receiving ? receiving.RedeliverAsync(message, cancellationToken) : target.SendAsync(message, cancellationToken)).ConfigureAwait(false);
        await owner.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        var (_, owner) = await FindAsync(id, cancellationToken).ConfigureAwait(false);
        return owner is not null && await owner.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<(DeadLetter? DeadLetter, IDeadLetterStore? Owner)> FindAsync(string id, CancellationToken cancellationToken)
    {
        foreach (var source in Stores)
        {
            if (await source.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } found)
            {
                return (found, source);
            }
        }

        return (null, null);
    }
}
