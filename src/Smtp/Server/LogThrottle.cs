namespace SmarthostLab.Smtp.Server;

/// <summary>
/// Lets at most N log lines of one kind through per second, across all sessions, and counts the rest, so that a
/// flood of connections cannot write unbounded log (issue 16, defect 7): the next line let through reports how many
/// were held back. What is not logged is still counted in the metrics and recorded as refusals.
/// </summary>
public sealed class LogThrottle
{
    private readonly int _perSecond;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private long _windowStart;
    private int _inWindow;
    private long _held;

    /// <summary>At most <paramref name="perSecond"/> lines a second.</summary>
    public LogThrottle(int perSecond, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        _perSecond = perSecond;
        _time = time ?? TimeProvider.System;
        _windowStart = _time.GetTimestamp();
    }

    /// <summary>True when the line may be written; <paramref name="held"/> is how many were held back since the last one let through.</summary>
    public bool TryLog(out long held)
    {
        lock (_lock)
        {
            if (_time.GetElapsedTime(_windowStart) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = _time.GetTimestamp();
                _inWindow = 0;
            }
            if (_inWindow < _perSecond)
            {
                _inWindow++;
                held = _held;
                _held = 0;
                return true;
            }
            _held++;
            held = 0;
            return false;
        }
    }
}
