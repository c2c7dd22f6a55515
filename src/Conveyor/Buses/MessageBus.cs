using Conveyor.Runtime;

namespace Conveyor.Buses;

/// <summary>The command, event and query buses, over the dispatcher.</summary>
internal sealed class MessageBus(MessageDispatcher dispatcher) : ICommandBus, IEventBus, IQueryBus
{
    private ConveyorRuntime Runtime => dispatcher.Runtime;

    public ValueTask SendAsync(object command, CancellationToken cancellationToken = default) =>
        DispatchWithoutResult(CommandFor(command), command, null, null, cancellationToken);

    public ValueTask SendAsync(object command, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default) =>
        DispatchWithoutResult(CommandFor(command), command, metadata, null, cancellationToken);

    public ValueTask<TResult> SendAsync<TResult>(object command, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        var endpoint = CommandFor(command);
        if (endpoint.Info.IsAsynchronous)
        {
            throw new InvalidOperationException(
                $"{command.GetType().Name} is handled asynchronously by '{endpoint.Id}' on channel '{endpoint.Info.Channel}', so there is no result to return. Use SendAsync without a result type.");
        }

        return Cast<TResult>(dispatcher.DispatchAsync(endpoint, command, metadata, null, cancellationToken), endpoint);
    }

    public ValueTask<TResult> SendAsync<TResult>(object command, CancellationToken cancellationToken) =>
        SendAsync<TResult>(command, null, cancellationToken);

    public ValueTask<object?> SendWithRoutingAsync(string routingKey, object? command = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(routingKey);
        var endpoint = Runtime.CommandsByKey.GetValueOrDefault(routingKey)
            ?? Runtime.CommandsByType.Values.FirstOrDefault(e => MessageNames.Of(e.PayloadType!) == routingKey)
            ?? throw new MessageRoutingException($"No command handler has routing key '{routingKey}'. Mark one with [CommandHandler(\"{routingKey}\")].");
        return dispatcher.DispatchAsync(endpoint, command, metadata, routingKey, cancellationToken);
    }

    public ValueTask PublishAsync(object @event, CancellationToken cancellationToken = default) =>
        PublishAsync(@event, null, null, cancellationToken);

    public ValueTask PublishAsync(object @event, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default) =>
        PublishAsync(@event, metadata, null, cancellationToken);

    public ValueTask PublishWithRoutingAsync(string routingKey, object @event, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(routingKey);
        return PublishAsync(@event, metadata, routingKey, cancellationToken);
    }

    public ValueTask PublishManyAsync<TEvent>(IEnumerable<TEvent> events, Func<TEvent, IReadOnlyDictionary<string, string>?>? metadata = null, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(events);
        var batch = events as IReadOnlyList<TEvent> ?? [.. events];
        foreach (var @event in batch)
        {
            ArgumentNullException.ThrowIfNull(@event, nameof(events));
        }

        return SendBatchAsync(batch, metadata, Runtime.EventsFor, cancellationToken);
    }

    public ValueTask SendManyAsync<TCommand>(IEnumerable<TCommand> commands, Func<TCommand, IReadOnlyDictionary<string, string>?>? metadata = null, CancellationToken cancellationToken = default)
        where TCommand : notnull
    {
        ArgumentNullException.ThrowIfNull(commands);
        var batch = commands as IReadOnlyList<TCommand> ?? [.. commands];

        // A command without a handler is a programming error: found before anything of the batch is sent.
        var routes = new Dictionary<Type, RuntimeEndpoint[]>();
        foreach (var command in batch)
        {
            ArgumentNullException.ThrowIfNull(command, nameof(commands));
            if (!routes.ContainsKey(command.GetType()))
            {
                routes[command.GetType()] = [CommandFor(command)];
            }
        }

        return SendBatchAsync(batch, metadata, type => routes[type], cancellationToken);
    }

    ValueTask<TResult> IQueryBus.SendAsync<TResult>(object query, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var endpoint = Runtime.QueriesByType.GetValueOrDefault(query.GetType())
            ?? throw new MessageRoutingException($"No query handler takes {query.GetType().Name}. Mark a method taking it with [QueryHandler].");
        return Cast<TResult>(dispatcher.DispatchAsync(endpoint, query, metadata, null, cancellationToken), endpoint);
    }

    ValueTask<TResult> IQueryBus.SendAsync<TResult>(object query, CancellationToken cancellationToken) =>
        ((IQueryBus)this).SendAsync<TResult>(query, null, cancellationToken);

    ValueTask<TResult> IQueryBus.SendWithRoutingAsync<TResult>(string routingKey, object? query, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var endpoint = Runtime.QueriesByKey.GetValueOrDefault(routingKey)
            ?? throw new MessageRoutingException($"No query handler has routing key '{routingKey}'. Mark one with [QueryHandler(\"{routingKey}\")].");
        return Cast<TResult>(dispatcher.DispatchAsync(endpoint, query, metadata, routingKey, cancellationToken), endpoint);
    }

    private RuntimeEndpoint CommandFor(object command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return Runtime.CommandsByType.GetValueOrDefault(command.GetType())
            ?? throw new MessageRoutingException($"No command handler takes {command.GetType().Name}. Mark a method taking it with [CommandHandler].");
    }

    private ValueTask PublishAsync(object @event, IReadOnlyDictionary<string, string>? metadata, string? routingKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var endpoints = routingKey is null ? Runtime.EventsFor(@event.GetType()) : Runtime.EventsFor(routingKey);
        return endpoints.Length switch
        {
            0 => ValueTask.CompletedTask,
            1 => DispatchWithoutResult(endpoints[0], @event, metadata, routingKey, cancellationToken),
            _ => PublishToEachAsync(endpoints, @event, metadata, routingKey, cancellationToken),
        };
    }

    /// <summary>Synchronous subscribers first (in-process, in the caller's flow), then one message per asynchronous one.</summary>
    private async ValueTask PublishToEachAsync(RuntimeEndpoint[] endpoints, object @event, IReadOnlyDictionary<string, string>? metadata, string? routingKey, CancellationToken cancellationToken)
    {
        foreach (var endpoint in endpoints)
        {
            if (!endpoint.Info.IsAsynchronous)
            {
                await dispatcher.DispatchAsync(endpoint, @event, metadata, routingKey, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var endpoint in endpoints)
        {
            if (endpoint.Info.IsAsynchronous)
            {
                await dispatcher.DispatchAsync(endpoint, @event, metadata, routingKey, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Hands every message of the batch over before awaiting any acknowledgement: synchronous handlers run in the
    /// caller's flow, in batch order; each asynchronous copy enters the outgoing path at once and its send is awaited
    /// afterwards, in batch order (by then most have completed). A failure is recorded against its message and the
    /// batch goes on; the failures are thrown together at the end. The endpoints are looked up once per run of messages
    /// of one type (a batch is usually of one type).
    /// </summary>
    private async ValueTask SendBatchAsync<T>(IReadOnlyList<T> batch, Func<T, IReadOnlyDictionary<string, string>?>? metadataOf, Func<Type, RuntimeEndpoint[]> endpointsOf, CancellationToken cancellationToken)
        where T : notnull
    {
        var pending = new List<(int Index, ValueTask Send)>(batch.Count);
        List<MessageBatchFailure>? failures = null;
        Type? type = null;
        RuntimeEndpoint[] endpoints = [];
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i];
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                var metadata = metadataOf?.Invoke(message);
                if (message.GetType() != type)
                {
                    endpoints = endpointsOf(message.GetType());
                    type = message.GetType();
                }

                foreach (var endpoint in endpoints)
                {
                    if (!endpoint.Info.IsAsynchronous)
                    {
                        await dispatcher.DispatchAsync(endpoint, message, metadata, null, cancellationToken).ConfigureAwait(false);
                    }
                }

                foreach (var endpoint in endpoints)
                {
                    if (endpoint.Info.IsAsynchronous)
                    {
                        var send = dispatcher.SendToAsync(endpoint, message, metadata, null, cancellationToken);
                        if (send.IsCompletedSuccessfully)
                        {
                            send.GetAwaiter().GetResult();
                        }
                        else
                        {
                            pending.Add((i, send));
                        }
                    }
                }
            }
            catch (Exception e)
            {
                (failures ??= []).Add(new MessageBatchFailure(i, message, e));
            }
        }

        foreach (var (index, send) in pending)
        {
            try
            {
                await send.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                (failures ??= []).Add(new MessageBatchFailure(index, batch[index], e));
            }
        }

        if (failures is not null)
        {
            throw new MessageBatchException(batch.Count, [.. failures.OrderBy(f => f.Index)]);
        }
    }

    /// <summary>
    /// Dispatches where no result is wanted: a send to an asynchronous endpoint returns the channel's task itself, an
    /// in-process handler's result is discarded.
    /// </summary>
    private ValueTask DispatchWithoutResult(RuntimeEndpoint endpoint, object payload, IReadOnlyDictionary<string, string>? metadata, string? routingKey, CancellationToken cancellationToken) =>
        endpoint.IsAsynchronous
            ? dispatcher.SendToAsync(endpoint, payload, metadata, routingKey, cancellationToken)
            : Discard(dispatcher.DispatchAsync(endpoint, payload, metadata, routingKey, cancellationToken));

    private static ValueTask Discard(ValueTask<object?> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            return ValueTask.CompletedTask;
        }

        return Await(task);

        static async ValueTask Await(ValueTask<object?> task) => await task.ConfigureAwait(false);
    }

    private static ValueTask<TResult> Cast<TResult>(ValueTask<object?> task, RuntimeEndpoint endpoint)
    {
        if (task.IsCompletedSuccessfully)
        {
            return new ValueTask<TResult>(As<TResult>(task.Result, endpoint));
        }

        return Await(task, endpoint);

        static async ValueTask<TResult> Await(ValueTask<object?> task, RuntimeEndpoint endpoint) => As<TResult>(await task.ConfigureAwait(false), endpoint);
    }

    private static TResult As<TResult>(object? result, RuntimeEndpoint endpoint) =>
        result is TResult typed
            ? typed
            : result is null && default(TResult) is null
                ? default!
                : throw new InvalidCastException($"'{endpoint.Id}' returned {result?.GetType().Name ?? "null"}, not the {typeof(TResult).Name} asked for.");
}
