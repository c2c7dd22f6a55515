namespace Conveyor.Handlers;

/// <summary>
/// The list a batch handler takes — <c>IReadOnlyList&lt;T&gt;</c> or <c>IReadOnlyList&lt;Received&lt;T&gt;&gt;</c> —
/// and how to build it from decoded messages. Found once at discovery; builds one array per invocation.
/// </summary>
internal abstract class BatchShape
{
    /// <summary>The payload type of one message (<c>T</c>): what messages are decoded to and routed by.</summary>
    public abstract Type ElementType { get; }

    /// <summary>The shape of <paramref name="parameterType"/> when it is a batch parameter, else null.</summary>
    public static BatchShape? Of(Type parameterType)
    {
        if (!parameterType.IsGenericType || parameterType.GetGenericTypeDefinition() != typeof(IReadOnlyList<>))
        {
            return null;
        }

        var element = parameterType.GetGenericArguments()[0];
        var shape = element.IsGenericType && element.GetGenericTypeDefinition() == typeof(Received<>)
            ? typeof(ReceivedList<>).MakeGenericType(element.GetGenericArguments()[0])
            : typeof(PayloadList<>).MakeGenericType(element);
        return (BatchShape)Activator.CreateInstance(shape)!;
    }

    /// <summary>The list the handler is invoked with, in the order of <paramref name="messages"/>.</summary>
    public abstract object Build(IReadOnlyList<(object? Payload, MessageHeaders Headers)> messages);

    private sealed class PayloadList<T> : BatchShape
    {
        public override Type ElementType => typeof(T);

        public override object Build(IReadOnlyList<(object? Payload, MessageHeaders Headers)> messages)
        {
            var list = new T[messages.Count];
            for (var i = 0; i < list.Length; i++)
            {
                list[i] = (T)messages[i].Payload!;
            }

            return list;
        }
    }

    private sealed class ReceivedList<T> : BatchShape
    {
        public override Type ElementType => typeof(T);

        public override object Build(IReadOnlyList<(object? Payload, MessageHeaders Headers)> messages)
        {
            var list = new Received<T>[messages.Count];
            for (var i = 0; i < list.Length; i++)
            {
                list[i] = new Received<T>((T)messages[i].Payload!, messages[i].Headers);
            }

            return list;
        }
    }
}
