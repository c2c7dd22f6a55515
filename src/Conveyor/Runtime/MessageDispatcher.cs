using Conveyor.Diagnostics;
using Conveyor.Handlers;
using Conveyor.Outgoing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Runtime;

/// <summary>
/// Delivers a payload to endpoints: invokes synchronous handlers in-process (in the caller's DI scope when called
/// from a handler, else in a scope of their own when they need one) and turns each asynchronous endpoint into one
/// transport message addressed to it, which leaves through the outgoing path — at once, or, when a received message
/// is being handled, once its handler succeeded.
/// </summary>
internal sealed class MessageDispatcher(ConveyorRuntime runtime, MessageSender sender, IServiceScopeFactory scopes, IServiceProvider root, ILogger<MessageDispatcher> logger)
{
    public ConveyorRuntime Runtime => runtime;

    public MessageSender Sender => sender;

    public IServiceProvider RootServices => root;

    /// <summary>Invokes <paramref name="endpoint"/> in-process or sends it a transport message, returning the in-process result.</summary>
    public ValueTask<object?> DispatchAsync(RuntimeEndpoint endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, string? routingKey, CancellationToken cancellationToken)
    {
        var ambient = HandlerContext.AsyncAmbient;
        var parent = HandlerContext.CurrentFor(ambient);
        if (endpoint.IsAsynchronous)
        {
            return ReturnAdapters.FromValueTask(SendAsync(endpoint, payload, metadata, routingKey, parent, cancellationToken));
        }

        if (payload is not null && endpoint.PayloadType is { } expected && payload.GetType() != expected && !expected.IsInstanceOfType(payload))
        {
            payload = Convert(payload, expected, metadata);
        }

        if (parent is null && endpoint.NeedsScope)
        {
            return InvokeScopedAsync(endpoint, payload, metadata, cancellationToken);
        }

        var services = parent?.Services ?? root;
        if (endpoint.IsDirect)
        {
            return new ValueTask<object?>(endpoint.InvokeDirect(payload, metadata, parent, services, cancellationToken, ambient));
        }

        var context = new HandlerContext(endpoint.Info, payload, metadata, parent, services, runtime.Time, cancellationToken);
        return endpoint.RunsWithoutPolicies
            ? endpoint.InvokeAsync(context, ambient)
            : InvokeWithPoliciesAsync(endpoint, context);
    }

    /// <summary>Sends <paramref name="payload"/> to a channel by name: an internal handler's input channel or a registered channel.</summary>
    public async ValueTask SendToChannelAsync(string channel, object? payload, HandlerContext? parent, CancellationToken cancellationToken)
    {
        if (runtime.InternalByChannel.TryGetValue(channel, out var internalEndpoint))
        {
            var previous = HandlerContext.Swap(parent);
            try
            {
                await DispatchAsync(internalEndpoint, payload, null, null, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                HandlerContext.Swap(previous);
            }

            return;
        }

        var message = sender.Create(payload, null, parent, EndpointKind.Command);
        message.Headers.Set(MessageHeaderNames.TargetEndpoint, runtime.EndpointsOn(channel).FirstOrDefault(e => e.Info.Kind == EndpointKind.Internal)?.Id);
        await SendOrHoldAsync(new OutgoingMessage(message, channel, OutgoingIntent.Send), parent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands a failed message to an error channel's internal handler, in a scope of its own.</summary>
    public async ValueTask InvokeErrorHandlerAsync(RuntimeEndpoint endpoint, TransportMessage message, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var payload = endpoint.PayloadType is { } type ? runtime.Serializer.Deserialize(message.Body, message.Headers.ContentType, type) : null;
            var context = new HandlerContext(endpoint.Info, payload, message.Headers, scope.ServiceProvider, runtime.Time, pending: null, cancellationToken);
            await InvokeWithPoliciesAsync(endpoint, context).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends <paramref name="endpoint"/> (asynchronous) a transport message, or holds it when a received message is
    /// being handled; the task completes when the channel has it. The buses' way to an asynchronous endpoint: no
    /// in-process result to adapt, so the channel's own task is returned as it is (no state machine per send).
    /// </summary>
    public ValueTask SendToAsync(RuntimeEndpoint endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, string? routingKey, CancellationToken cancellationToken) =>
        SendAsync(endpoint, payload, metadata, routingKey, HandlerContext.CurrentFor(HandlerContext.AsyncAmbient), cancellationToken);

    private ValueTask SendAsync(RuntimeEndpoint endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, string? routingKey, HandlerContext? parent, CancellationToken cancellationToken)
    {
        var message = sender.Create(payload, metadata, parent, endpoint.Info.Kind);
        message.Headers.Set(MessageHeaderNames.TargetEndpoint, endpoint.Id);
        message.Headers.Set(MessageHeaderNames.RoutingKey, routingKey ?? message.Headers.MessageName);
        if (endpoint.Aggregate is { } aggregate && message.Headers.Get(MessageHeaderNames.PartitionKey) is null
            && aggregate.PartitionKey(payload, message.Headers) is { } partitionKey)
        {
            message.Headers.Set(MessageHeaderNames.PartitionKey, partitionKey);
        }

        if (endpoint.Delay is { } delay && message.DeliverAt is null)
        {
            message.SetDeliverAt(runtime.Time.GetUtcNow() + delay);
        }

        // Not awaited here: a send in flight keeps only what the channel holds, not this payload and these headers.
        return SendOrHoldAsync(new OutgoingMessage(message, endpoint.Info.EntryChannel!, OutgoingIntent.Send), parent, cancellationToken);
    }

    /// <summary>Holds <paramref name="message"/> until the received message being handled succeeded, or sends it now outside one.</summary>
    private ValueTask SendOrHoldAsync(OutgoingMessage message, HandlerContext? parent, CancellationToken cancellationToken)
    {
        if (parent?.Pending is { } pending)
        {
            pending.Add(message);
            return ValueTask.CompletedTask;
        }

        // Sent inside an explicit unit of work (a web request's): handed over with it, as a handler's messages are.
        message.UnitOfWork ??= UnitOfWork.ExplicitUnitOfWork.Current;
        return sender.SendAsync(message, cancellationToken);
    }

    private async ValueTask<object?> InvokeScopedAsync(RuntimeEndpoint endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var context = new HandlerContext(endpoint.Info, payload, metadata, null, scope.ServiceProvider, runtime.Time, cancellationToken);
            return await InvokeWithPoliciesAsync(endpoint, context).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the endpoint (instance, handler, result) with its instant retries.</summary>
    public async ValueTask<object?> InvokeWithPoliciesAsync(RuntimeEndpoint endpoint, HandlerContext context, bool instantRetries = true)
    {
        object? result;
        for (var retries = 0; ; retries++)
        {
            try
            {
                result = await endpoint.InvokeAsync(context).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (instantRetries && endpoint.Failure.ShouldRetryInstantly(e, retries) && !context.CancellationToken.IsCancellationRequested)
            {
                Log.InstantRetry(logger, e, endpoint.Id, context.Headers.MessageId, retries + 1);
            }
        }

        return result;
    }

    private object? Convert(object payload, Type expected, IReadOnlyDictionary<string, string>? metadata) => payload switch
    {
        byte[] bytes => runtime.Serializer.Deserialize(bytes, metadata?.GetValueOrDefault(MessageHeaderNames.ContentType) ?? runtime.Serializer.DefaultContentType, expected),
        string text => runtime.Serializer.Deserialize(System.Text.Encoding.UTF8.GetBytes(text), metadata?.GetValueOrDefault(MessageHeaderNames.ContentType) ?? runtime.Serializer.DefaultContentType, expected),
        _ => throw new ArgumentException($"The payload is a {payload.GetType().Name} but the handler expects a {expected.Name}."),
    };
}
