using Conveyor.Diagnostics;
using Conveyor.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Runtime;

/// <summary>
/// Delivers a payload to endpoints: invokes synchronous handlers in-process (in the caller's DI scope when called
/// from a handler, else in a scope of their own when they need one) and turns each asynchronous endpoint into one
/// transport message addressed to it.
/// </summary>
internal sealed class MessageDispatcher(ConveyorRuntime runtime, IServiceScopeFactory scopes, IServiceProvider root, ILogger<MessageDispatcher> logger)
{
    public ConveyorRuntime Runtime => runtime;

    public IServiceProvider RootServices => root;

    /// <summary>Invokes <paramref name="endpoint"/> in-process or sends it a transport message, returning the in-process result.</summary>
    public ValueTask<object?> DispatchAsync(RuntimeEndpoint endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, string? routingKey, CancellationToken cancellationToken)
    {
        var ambient = HandlerContext.AsyncAmbient;
        var parent = HandlerContext.CurrentFor(ambient);
        if (endpoint.IsAsynchronous)
        {
            return SendAsync(endpoint, payload, metadata, routingKey, parent, cancellationToken);
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

        var context = new HandlerContext(endpoint.Info, payload, metadata, parent, services, cancellationToken);
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

        var headers = MessageHeadersFactory.Create(payload, null, parent, EndpointKind.Command);
        headers.Set(MessageHeaderNames.TargetEndpoint, runtime.EndpointsOn(channel).FirstOrDefault(e => e.Info.Kind == EndpointKind.Internal)?.Id);
        await runtime.Channels[channel].SendAsync(Serialize(payload, headers), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands a failed message to an error channel: its internal handler in a scope of its own, or the registered channel.</summary>
    public async ValueTask SendFailedAsync(string channel, TransportMessage message, CancellationToken cancellationToken)
    {
        if (runtime.InternalByChannel.TryGetValue(channel, out var endpoint))
        {
            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var payload = endpoint.PayloadType is { } type ? runtime.Serializer.Deserialize(message.Body, message.Headers.ContentType, type) : null;
                var context = new HandlerContext(endpoint.Info, payload, message.Headers, scope.ServiceProvider, cancellationToken);
                await InvokeWithPoliciesAsync(endpoint, context).ConfigureAwait(false);
            }

            return;
        }

        message.Headers.Set(MessageHeaderNames.TargetEndpoint, runtime.EndpointsOn(channel).FirstOrDefault(e => e.Info.Kind == EndpointKind.Internal)?.Id);
        await runtime.Channels[channel].SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public TransportMessage Serialize(object? payload, MessageHeaders headers)
    {
        var (body, contentType) = runtime.Serializer.Serialize(payload, headers.ContentType);
        headers.Set(MessageHeaderNames.ContentType, contentType);
        return new TransportMessage(headers, body);
    }

    private ValueTask<object?> SendAsync(RuntimeEndpoint endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, string? routingKey, HandlerContext? parent, CancellationToken cancellationToken)
    {
        var headers = MessageHeadersFactory.Create(payload, metadata, parent, endpoint.Info.Kind);
        headers.Set(MessageHeaderNames.TargetEndpoint, endpoint.Id);
        headers.Set(MessageHeaderNames.RoutingKey, routingKey ?? headers.MessageName);
        // Not awaited here: a send in flight keeps only what the channel holds, not this payload and these headers.
        return ReturnAdapters.FromValueTask(runtime.Channels[endpoint.Info.Channel!].SendAsync(Serialize(payload, headers), cancellationToken));
    }

    private async ValueTask<object?> InvokeScopedAsync(RuntimeEndpoint endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var context = new HandlerContext(endpoint.Info, payload, metadata, null, scope.ServiceProvider, cancellationToken);
            return await InvokeWithPoliciesAsync(endpoint, context).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the handler with instant retries and sends its result to the output channel.</summary>
    public async ValueTask<object?> InvokeWithPoliciesAsync(RuntimeEndpoint endpoint, HandlerContext context)
    {
        object? result;
        for (var retries = 0; ; retries++)
        {
            try
            {
                result = await endpoint.InvokeAsync(context).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (endpoint.Failure.ShouldRetryInstantly(e, retries) && !context.CancellationToken.IsCancellationRequested)
            {
                Log.InstantRetry(logger, e, endpoint.Id, context.Headers.MessageId, retries + 1);
            }
        }

        if (endpoint.OutputChannel is { } output && result is not null)
        {
            await SendToChannelAsync(output, result, context, context.CancellationToken).ConfigureAwait(false);
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
