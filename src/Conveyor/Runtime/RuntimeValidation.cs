using Conveyor.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Runtime;

/// <summary>The start-up checks across all endpoints. Each error says what is wrong and how to fix it.</summary>
internal static class RuntimeValidation
{
    /// <summary>
    /// A batch handler needs a channel that delivers batches, and that channel's handlers all take batches: the channel is
    /// consumed either in batches or one message at a time, never both (order could not hold for the one-by-one ones).
    /// </summary>
    public static void Batches(IReadOnlyList<HandlerDescriptor> descriptors, IReadOnlyDictionary<string, Channels.IMessageChannel> channels, List<string> errors)
    {
        foreach (var batch in descriptors.Where(d => d.Batch is not null))
        {
            var info = batch.Info;
            if (info.Channel is not { } name || channels.GetValueOrDefault(name) is not { } channel)
            {
                continue; // an unregistered channel is reported by Validate
            }

            if (!channel.Capabilities.DeliversBatches)
            {
                errors.Add($"{info.EndpointId}: takes a batch (IReadOnlyList<{info.PayloadType!.Name}>), but channel '{name}' delivers one message at a time (a database channel does). Consume a Kafka channel, or take one {info.PayloadType.Name}.");
            }

            foreach (var single in descriptors.Where(d => d.Batch is null && d.Info.Channel == name && d.Info.Kind != EndpointKind.Query))
            {
                errors.Add($"{info.EndpointId} takes batches from channel '{name}', and {single.Info.EndpointId} takes its messages one at a time. A channel is consumed in batches or one by one: put {single.Info.EndpointId} on a channel of its own, or make it take IReadOnlyList<{single.Info.PayloadType?.Name ?? "T"}>.");
            }
        }
    }

    public static void Validate(IReadOnlyList<HandlerDescriptor> descriptors, HashSet<string> channels, IServiceProvider services, List<string> errors)
    {
        foreach (var group in descriptors.GroupBy(d => d.Info.EndpointId).Where(g => g.Count() > 1))
        {
            errors.Add($"Endpoint id '{group.Key}' is used by {Describe(group)}. Endpoint ids must be unique: set a distinct EndpointId on each.");
        }

        Unique(descriptors, EndpointKind.Command, d => d.Info.PayloadType is { } t && d.Info.Routing is null ? t.Name : null, "command", errors);
        Unique(descriptors, EndpointKind.Command, d => d.Info.Routing, "command routing key", errors);
        Unique(descriptors, EndpointKind.Query, d => d.Info.PayloadType is { } t && d.Info.Routing is null ? t.Name : null, "query", errors);
        Unique(descriptors, EndpointKind.Query, d => d.Info.Routing, "query routing key", errors);
        Unique(descriptors, EndpointKind.Internal, d => d.Info.Channel, "input channel", errors);

        var inputChannels = descriptors.Where(d => d.Info.Kind == EndpointKind.Internal).Select(d => d.Info.Channel!).ToHashSet(StringComparer.Ordinal);
        var isService = services.GetService<IServiceProviderIsService>();
        var isKeyed = services.GetService<IServiceProviderIsKeyedService>();
        foreach (var descriptor in descriptors)
        {
            var info = descriptor.Info;
            if (info.Kind is EndpointKind.Command or EndpointKind.Event && info.Channel is { } channel && !channels.Contains(channel))
            {
                errors.Add($"{info.EndpointId}: [Asynchronous(\"{channel}\")] names a channel that is not registered.{NameSuggestions.DidYouMean(channel, channels)} Register it in AddConveyor, e.g. .AddInMemoryChannel(\"{channel}\") or .AddKafkaChannel(\"{channel}\").");
            }

            if (info.Kind is not (EndpointKind.Command or EndpointKind.Event) && info.Method.IsDefined(typeof(DistributedAttribute), inherit: false))
            {
                errors.Add($"{info.EndpointId}: [Distributed] marks the command and event handlers other services may reach through a distributed bus; this is a {info.Kind.ToString().ToLowerInvariant()} handler. Remove [Distributed], or make it a [CommandHandler] or [EventHandler].");
            }

            foreach (var step in info.Via.Where(step => !channels.Contains(step)))
            {
                errors.Add($"{info.EndpointId}: the chain [Asynchronous(\"{string.Join("\", \"", [.. info.Via, info.Channel])}\")] names channel '{step}', which is not registered.{NameSuggestions.DidYouMean(step, channels)} Register it in AddConveyor, e.g. .AddInMemoryChannel(\"{step}\") or .AddKafkaChannel(\"{step}\").");
            }

            if (descriptor.OutputChannel is { } output && !channels.Contains(output) && !inputChannels.Contains(output))
            {
                errors.Add($"{info.EndpointId}: OutputChannel \"{output}\" is neither a registered channel nor the input channel of an [InternalHandler].{NameSuggestions.DidYouMean(output, channels.Concat(inputChannels))}");
            }

            if (descriptor.ErrorChannel is { } error && !channels.Contains(error) && !inputChannels.Contains(error))
            {
                errors.Add($"{info.EndpointId}: [ErrorChannel(\"{error}\")] is neither a registered channel nor the input channel of an [InternalHandler].{NameSuggestions.DidYouMean(error, channels.Concat(inputChannels))}");
            }

            Retries(descriptor, errors);
            foreach (var binding in descriptor.Bindings.OfType<ParameterBinding.Service>())
            {
                var type = binding.Parameter.ParameterType;
                var known = binding.Key is null
                    ? isService?.IsService(type) ?? true
                    : isKeyed?.IsKeyedService(type, binding.Key) ?? true;
                if (!known)
                {
                    errors.Add(binding.Key is null
                        ? $"{info.EndpointId}: parameter '{binding.Parameter.Name}' of type {type.Name} cannot be bound: it is not the payload (only the first parameter is), not a [Header], and no service of that type is registered. Register {type.Name} in DI or mark the parameter with [Header(\"...\")]."
                        : $"{info.EndpointId}: parameter '{binding.Parameter.Name}' asks for the keyed service \"{binding.Key}\" of type {type.Name}, which is not registered.");
                }
            }
        }
    }

    private static void Retries(HandlerDescriptor descriptor, List<string> errors)
    {
        var id = descriptor.Info.EndpointId;
        if (descriptor.InstantRetry is { RetryTimes: < 0 } instant)
        {
            errors.Add($"{id}: [InstantRetry({instant.RetryTimes})] retries a negative number of times. Use 0 or more, e.g. [InstantRetry(2)] for two retries after the first attempt.");
        }

        if (descriptor.DelayedRetry is not { } delayed)
        {
            return;
        }

        if (delayed.MaxAttempts < 0)
        {
            errors.Add($"{id}: [DelayedRetry({delayed.MaxAttempts})] retries a negative number of times. Use 0 or more, e.g. [DelayedRetry(3)] for three delayed retries.");
        }

        if (delayed.InitialDelayMs < 0)
        {
            errors.Add($"{id}: [DelayedRetry] InitialDelayMs = {delayed.InitialDelayMs} is negative. Use 0 or more milliseconds, e.g. InitialDelayMs = 1000.");
        }

        if (!(delayed.Multiplier >= 1) || double.IsInfinity(delayed.Multiplier))
        {
            errors.Add($"{id}: [DelayedRetry] Multiplier = {delayed.Multiplier} is not a number of at least 1. Use 1 for a fixed delay, or more for a growing one (default 2).");
        }

        if (delayed.MaxDelayMs < Math.Max(delayed.InitialDelayMs, 0))
        {
            errors.Add($"{id}: [DelayedRetry] MaxDelayMs = {delayed.MaxDelayMs} is below InitialDelayMs = {delayed.InitialDelayMs}. Raise MaxDelayMs (default one hour) or lower InitialDelayMs.");
        }
    }

    private static void Unique(IReadOnlyList<HandlerDescriptor> descriptors, EndpointKind kind, Func<HandlerDescriptor, string?> key, string what, List<string> errors)
    {
        foreach (var group in descriptors.Where(d => d.Info.Kind == kind).GroupBy(key).Where(g => g.Key is not null && g.Count() > 1))
        {
            errors.Add($"The {what} '{group.Key}' has {group.Count()} handlers ({Describe(group)}); it must have exactly one. Remove one, or make them event handlers if all should run.");
        }
    }

    private static string Describe(IEnumerable<HandlerDescriptor> group) =>
        string.Join(", ", group.Select(d => $"{d.HandlerType.Name}.{d.Method.Name}"));
}
