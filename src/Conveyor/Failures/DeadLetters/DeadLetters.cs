using Conveyor.Runtime;

namespace Conveyor.Failures.DeadLetters;

/// <summary>The dead-letter operations over the configured store.</summary>
internal sealed class DeadLetters(IDeadLetterStore store, ConveyorRuntime runtime) : IDeadLetters
{
    private static readonly string[] FailureHeaders =
    [
        MessageHeaderNames.ExceptionType, MessageHeaderNames.ExceptionMessage, MessageHeaderNames.FailedChannel,
        MessageHeaderNames.FailedEndpoint, MessageHeaderNames.DeliveryAttempt,
    ];

    public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(int limit = 100, CancellationToken cancellationToken = default) =>
        store.ListAsync(limit, cancellationToken);

    public ValueTask<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken = default) => store.GetAsync(id, cancellationToken);

    public async ValueTask ReplayAsync(string id, CancellationToken cancellationToken = default)
    {
        var deadLetter = await store.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"There is no dead letter '{id}'. 'conveyor dlq list' shows the ids.");

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

        await runtime.Channels[channel].SendAsync(message, cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => store.DeleteAsync(id, cancellationToken);
}
