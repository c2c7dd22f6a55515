using System.Reflection;

namespace Conveyor.Handlers;

/// <summary>What discovery found on one handler method, before the runtime compiles it.</summary>
internal sealed record HandlerDescriptor(
    EndpointInfo Info,
    Attribute HandlerAttribute,
    IReadOnlyList<ParameterBinding> Bindings,
    string? OutputChannel,
    InstantRetryAttribute? InstantRetry,
    DelayedRetryAttribute? DelayedRetry,
    string? ErrorChannel,
    FinalFailureStrategy? FinalFailure,
    DeduplicatedAttribute? Deduplication,
    BatchShape? Batch = null)
{
    public MethodInfo Method => Info.Method;

    public Type HandlerType => Info.HandlerType;

    public ParameterBinding.Payload? PayloadBinding => Bindings.OfType<ParameterBinding.Payload>().FirstOrDefault();
}
