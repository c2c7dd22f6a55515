namespace Conveyor;

/// <summary>
/// Gives a message class its stable name on the wire, e.g. <c>[Message("order.placed")]</c>.
/// Without it a message is named after its class's simple name (no namespace), so moving a class
/// between namespaces never breaks a message in flight; renaming it does, unless it carries this attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface, Inherited = false)]
public sealed class MessageAttribute(string name) : Attribute
{
    /// <summary>The message name.</summary>
    public string Name { get; } = name;
}
