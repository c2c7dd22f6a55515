using System.Reflection;

namespace Conveyor;

/// <summary>Selects the endpoints an interceptor applies to.</summary>
public sealed class Pointcut
{
    private readonly Func<EndpointInfo, bool> _matches;

    private Pointcut(Func<EndpointInfo, bool> matches, string description)
    {
        _matches = matches;
        Description = description;
    }

    /// <summary>Every endpoint.</summary>
    public static Pointcut All { get; } = new(_ => true, "all endpoints");

    /// <summary>What the pointcut selects, in words.</summary>
    public string Description { get; }

    /// <summary>Endpoints whose method or class carries <typeparamref name="TAttribute"/>.</summary>
    /// <typeparam name="TAttribute">The marker attribute.</typeparam>
    /// <returns>The pointcut.</returns>
    public static Pointcut WithAttribute<TAttribute>() where TAttribute : Attribute =>
        new(e => e.Method.GetCustomAttribute<TAttribute>() is not null || e.HandlerType.GetCustomAttribute<TAttribute>() is not null, $"endpoints with [{typeof(TAttribute).Name}]");

    /// <summary>Endpoints declared on <typeparamref name="THandler"/>.</summary>
    /// <typeparam name="THandler">The handler class.</typeparam>
    /// <returns>The pointcut.</returns>
    public static Pointcut Handler<THandler>() => new(e => e.HandlerType == typeof(THandler), $"handlers of {typeof(THandler).Name}");

    /// <summary>Endpoints matching <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The condition.</param>
    /// <param name="description">What it selects, in words.</param>
    /// <returns>The pointcut.</returns>
    public static Pointcut Where(Func<EndpointInfo, bool> predicate, string description = "custom") => new(predicate, description);

    /// <summary>Whether the pointcut selects <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <returns><see langword="true"/> when selected.</returns>
    public bool Matches(EndpointInfo endpoint) => _matches(endpoint);
}
