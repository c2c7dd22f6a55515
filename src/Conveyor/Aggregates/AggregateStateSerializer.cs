using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Conveyor.Aggregates;

/// <summary>
/// Turns an aggregate's state into JSON and back: its properties with a getter and a setter of any accessibility
/// (<c>{ get; private set; }</c> reads best in an aggregate), through a parameterless constructor that may be private.
/// Fields are not state. The setters are compiled once per property, not reflected per load.
/// </summary>
internal static class AggregateStateSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { IncludeNonPublicMembers } },
    };

    public static string Serialize(AggregateRoot aggregate) => JsonSerializer.Serialize(aggregate, aggregate.GetType(), Options);

    public static AggregateRoot Deserialize(string state, Type aggregateType) =>
        (AggregateRoot)(JsonSerializer.Deserialize(state, aggregateType, Options)
            ?? throw new JsonException($"The stored state of {aggregateType.Name} is null."));

    private static void IncludeNonPublicMembers(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || !typeof(AggregateRoot).IsAssignableFrom(info.Type))
        {
            return;
        }

        if (info.CreateObject is null && info.Type.GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes) is { } constructor)
        {
            info.CreateObject = Expression.Lambda<Func<object>>(Expression.New(constructor)).Compile();
        }

        foreach (var property in info.Properties)
        {
            if (property.Set is null && property.AttributeProvider is PropertyInfo { SetMethod: { } setter } member)
            {
                property.Set = CompileSetter(member, setter);
            }
        }
    }

    private static Action<object, object?> CompileSetter(PropertyInfo property, MethodInfo setter)
    {
        var instance = Expression.Parameter(typeof(object), "instance");
        var value = Expression.Parameter(typeof(object), "value");
        var call = Expression.Call(Expression.Convert(instance, property.DeclaringType!), setter, Expression.Convert(value, property.PropertyType));
        return Expression.Lambda<Action<object, object?>>(call, instance, value).Compile();
    }
}
