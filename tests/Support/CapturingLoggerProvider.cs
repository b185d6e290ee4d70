using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SmarthostLab.Tests.Support;

/// <summary>A logger provider that keeps every line logged through it (category, event id, level, message), for tests that count log lines.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    /// <summary>One logged line.</summary>
    public sealed record Line(string Category, int EventId, LogLevel Level, string Message);

    /// <summary>Every line logged so far, in order.</summary>
    public ConcurrentQueue<Line> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Lines.Enqueue(new Line(category, eventId.Id, logLevel, formatter(state, exception)));
    }
}
