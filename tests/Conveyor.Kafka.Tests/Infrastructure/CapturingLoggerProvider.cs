using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>Keeps every log entry of every level (message, exception and structured state) for assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            entries.Enqueue(new CapturedLog(
                category,
                logLevel,
                eventId.Id,
                formatter(state, exception),
                exception?.ToString(),
                string.Join("; ", values.Select(v => $"{v.Key}={v.Value}"))));
        }
    }
}

/// <summary>One log entry: everything a log sink could write.</summary>
internal sealed record CapturedLog(string Category, LogLevel Level, int EventId, string Message, string? Exception, string State)
{
    public bool Contains(string text) =>
        Message.Contains(text, StringComparison.Ordinal)
        || Exception?.Contains(text, StringComparison.Ordinal) == true
        || State.Contains(text, StringComparison.Ordinal);

    public override string ToString() => $"[{Level}] {Category} ({EventId}): {Message}{(Exception is null ? "" : " " + Exception)}";
}
