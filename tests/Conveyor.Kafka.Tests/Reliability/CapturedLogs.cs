using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>Keeps the log events of one service provider, to check what a consumer reported (and what it did not).</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<(DateTimeOffset At, LogLevel Level, EventId Event, string Category, string Message)> Events { get; } = new();

    public bool Has(string categoryPrefix, int eventId) => Events.Any(e => e.Event.Id == eventId && e.Category.StartsWith(categoryPrefix, StringComparison.Ordinal));

    /// <summary>A provider for one service provider's logs: categories are prefixed with <c>name:</c>.</summary>
    public ILoggerProvider For(string name) => new Named(this, name);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Named(CapturedLogs logs, string name) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logs.CreateLogger($"{name}:{categoryName}");

        public void Dispose()
        {
        }
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Events.Enqueue((DateTimeOffset.UtcNow, logLevel, eventId, category, formatter(state, exception) + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")));
    }
}
