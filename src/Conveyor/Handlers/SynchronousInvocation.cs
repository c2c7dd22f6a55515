using Conveyor.Runtime;

namespace Conveyor.Handlers;

/// <summary>
/// The ambient invocation of a synchronous handler method called in-process, kept on the handler's thread rather than
/// in the <see cref="AsyncLocal{T}"/> behind <see cref="HandlerContext.Current"/>. A synchronous method cannot await,
/// so everything it runs before returning (including the synchronous start of every message it sends) runs on this
/// thread; a thread slot costs a few nanoseconds where an async-local write allocates a new execution context. The
/// <see cref="HandlerContext"/> itself is created only if something asks for it.
/// </summary>
/// <remarks>
/// The slot is only seen while the async-local value is the one it was pushed under. An asynchronous handler that the
/// synchronous one calls sets the async-local value, so inside it the slot is hidden until it returns; and code of
/// another invocation that the handler wakes inline on its thread (the continuation of a task it completes) runs
/// under that invocation's async-local value and sees its own invocation, not the handler's.
/// </remarks>
internal static class SynchronousInvocation
{
    [ThreadStatic]
    private static Slot? t_slot;

    /// <summary>The synchronous invocation on this thread, when one runs under <paramref name="asyncAmbient"/>.</summary>
    public static HandlerContext? Current(HandlerContext? asyncAmbient)
    {
        if (t_slot is not { Frame.Endpoint: not null } slot || !ReferenceEquals(slot.Frame.AsyncAmbient, asyncAmbient))
        {
            return null;
        }

        ref var frame = ref slot.Frame;
        return frame.Context ??= new HandlerContext(
            frame.Endpoint!.Info, frame.Payload, frame.Metadata, frame.Parent, frame.Parent?.Services ?? frame.Endpoint.RootServices, frame.Endpoint.Time, frame.CancellationToken);
    }

    /// <summary>Calls <paramref name="invoker"/> with its invocation as the ambient one on this thread.</summary>
    public static object? Invoke(
        DirectInvoker invoker,
        object? instance,
        RuntimeEndpoint endpoint,
        object? payload,
        IReadOnlyDictionary<string, string>? metadata,
        HandlerContext? parent,
        IServiceProvider services,
        CancellationToken cancellationToken,
        HandlerContext? asyncAmbient)
    {
        var slot = t_slot ??= new Slot();
        if (slot.Frame.Endpoint is not null)
        {
            return InvokeNested(slot, invoker, instance, endpoint, payload, metadata, parent, services, cancellationToken, asyncAmbient);
        }

        Fill(ref slot.Frame, endpoint, payload, metadata, parent, cancellationToken, asyncAmbient);
        try
        {
            return invoker(instance, payload, services, cancellationToken);
        }
        finally
        {
            slot.Frame = default;
        }
    }

    /// <summary>
    /// Calls <paramref name="invoker"/> with <paramref name="context"/>, an invocation already made (a received message's,
    /// with its headers and the messages it holds back), as the ambient one on this thread: no async-local write, so no
    /// execution context is made for it.
    /// </summary>
    public static object? InvokeIn(HandlerContext context, DirectInvoker invoker, object? instance, RuntimeEndpoint endpoint, HandlerContext? asyncAmbient)
    {
        var slot = t_slot ??= new Slot();
        var outer = slot.Frame;
        slot.Frame = default;
        Fill(ref slot.Frame, endpoint, context.Payload, null, context.Parent, context.CancellationToken, asyncAmbient);
        slot.Frame.Context = context;
        try
        {
            return invoker(instance, context.Payload, context.Services, context.CancellationToken);
        }
        finally
        {
            slot.Frame = outer;
        }
    }

    /// <summary>
    /// A handler called from a synchronous handler: the outer frame is kept on the stack and put back. Kept apart from
    /// <see cref="Invoke"/> on purpose: one method with a saved frame on both paths measured 49.7 ns against 21.9 ns.
    /// </summary>
    private static object? InvokeNested(
        Slot slot,
        DirectInvoker invoker,
        object? instance,
        RuntimeEndpoint endpoint,
        object? payload,
        IReadOnlyDictionary<string, string>? metadata,
        HandlerContext? parent,
        IServiceProvider services,
        CancellationToken cancellationToken,
        HandlerContext? asyncAmbient)
    {
        var outer = slot.Frame;
        slot.Frame = default;
        Fill(ref slot.Frame, endpoint, payload, metadata, parent, cancellationToken, asyncAmbient);
        try
        {
            return invoker(instance, payload, services, cancellationToken);
        }
        finally
        {
            slot.Frame = outer;
        }
    }

    /// <summary>
    /// Fills an empty frame. Only the references that are not null are written: each store of a reference to the heap
    /// costs a GC write barrier, and clearing the frame afterwards stores none.
    /// </summary>
    private static void Fill(
        ref Frame frame,
        RuntimeEndpoint endpoint,
        object? payload,
        IReadOnlyDictionary<string, string>? metadata,
        HandlerContext? parent,
        CancellationToken cancellationToken,
        HandlerContext? asyncAmbient)
    {
        frame.Endpoint = endpoint;
        frame.Payload = payload;
        if (metadata is not null)
        {
            frame.Metadata = metadata;
        }

        if (parent is not null)
        {
            frame.Parent = parent;
        }

        frame.CancellationToken = cancellationToken;
        if (asyncAmbient is not null)
        {
            frame.AsyncAmbient = asyncAmbient;
        }
    }

    private sealed class Slot
    {
        public Frame Frame;
    }

    /// <summary>One invocation; a nested one saves the outer frame on the stack and puts it back when it returns.</summary>
    private struct Frame
    {
        public RuntimeEndpoint? Endpoint;
        public object? Payload;
        public IReadOnlyDictionary<string, string>? Metadata;
        public HandlerContext? Parent;
        public CancellationToken CancellationToken;
        public HandlerContext? AsyncAmbient;
        public HandlerContext? Context;
    }
}
