using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SmarthostLab.Verification.Tests.Dns;

/// <summary>A logger factory that keeps every formatted message, for tests of what a component logs.</summary>
internal sealed class ListLoggerFactory : ILoggerFactory
{
    /// <summary>Formatted messages, in order, from every category.</summary>
    public ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new ListLogger(Messages);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class ListLogger(ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => messages.Enqueue(formatter(state, exception));
    }
}
