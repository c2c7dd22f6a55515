using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Runtime;

/// <summary>
/// The handler class from DI (a singleton resolved once; one that needs no scope made from the root services with
/// <paramref name="unscoped"/>), or no instance for a static method.
/// </summary>
internal sealed class ServiceInstanceStep(EndpointInfo info, IServiceProvider root, bool isSingleton, ObjectFactory? unscoped = null) : HandlerInstanceStep
{
    private object? _singleton;

    public override bool IsSynchronous => true;

    public override object? Get(IServiceProvider services)
    {
        if (_singleton is { } singleton)
        {
            return singleton;
        }

        if (info.Method.IsStatic)
        {
            return null;
        }

        return isSingleton ? ResolveSingleton() : unscoped is not null ? unscoped(root, null) : services.GetRequiredService(info.HandlerType);
    }

    /// <summary>
    /// Resolves a singleton handler class once. Not done while the runtime is built: the handler may depend on a bus,
    /// which depends on the runtime, and resolving it from the runtime's constructor would never return.
    /// </summary>
    public object? ResolveSingleton() => isSingleton ? _singleton ??= root.GetRequiredService(info.HandlerType) : null;
}
