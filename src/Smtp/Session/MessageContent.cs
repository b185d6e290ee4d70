using System.Buffers;
using Microsoft.Win32.SafeHandles;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Smtp.Session;

/// <summary>
/// The bytes of one message as received (dot-unstuffed for DATA, concatenated chunks for BDAT). The first
/// <see cref="MemoryLimit"/> octets are held in pooled segments; past them the rest goes to a spool file in the
/// spool folder, 64 KiB at a time, so one message holds at most that much memory plus one segment however large it is
/// (<c>Smtp:SpoolThreshold</c>). Appending past <see cref="MaxLength"/> is refused by the session before it reaches
/// here. Owned by the session; valid until cleared or disposed after <see cref="ISmtpSessionHandler.OnMessageAsync"/>.
/// </summary>
public sealed class MessageContent : IDisposable
{
    private const int SegmentSize = 64 * 1024;

    // Segments come from a pool of their own that keeps what it hands out (up to 1 GiB of segments): the
    // shared pool keeps only a few dozen 64 KiB arrays per core, so large messages at many connections
    // allocated fresh ones per message and the heap grew with the garbage, not with the messages.
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(SegmentSize, maxArraysPerBucket: 16 * 1024);
    private readonly List<byte[]> _segments = [];
    private readonly HeaderSectionMeter _headerSection = new();
    private readonly string? _spoolFolder;
    private int _lastUsed = SegmentSize;
    private SafeFileHandle? _spool;
    private byte[]? _staging; // past the memory limit: the segment being filled before it goes to the spool file
    private int _stagingUsed;
    private long _spooled; // octets in the spool file

    /// <summary>Creates an empty buffer that may grow to <paramref name="maxLength"/> octets, all held in memory.</summary>
    public MessageContent(long maxLength)
        : this(maxLength, long.MaxValue, null)
    {
    }

    /// <summary>
    /// Creates an empty buffer that may grow to <paramref name="maxLength"/> octets and holds at most
    /// <paramref name="memoryLimit"/> of them (rounded up to whole 64 KiB segments) in memory; the rest goes to a file
    /// in <paramref name="spoolFolder"/> (null: all in memory).
    /// </summary>
    public MessageContent(long maxLength, long memoryLimit, string? spoolFolder)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(memoryLimit);
        MaxLength = maxLength;
        MemoryLimit = spoolFolder is null ? long.MaxValue : Math.Max(SegmentSize, (memoryLimit + SegmentSize - 1) / SegmentSize * SegmentSize);
        _spoolFolder = spoolFolder;
    }

    /// <summary>Hard upper bound of <see cref="Length"/>.</summary>
    public long MaxLength { get; }

    /// <summary>Octets held in memory before the rest is spooled to a file (a multiple of 64 KiB; no limit without a spool folder).</summary>
    public long MemoryLimit { get; }

    /// <summary>Octets held.</summary>
    public long Length { get; private set; }

    /// <summary>True when part of the content is in a spool file: <see cref="ToSequence"/> is not available, <see cref="OpenRead"/> is.</summary>
    public bool IsSpooled => _spool is not null;

    /// <summary>Why the spool file could not be written (the disk is full, the folder is missing); the octets since are dropped. Null when all is well.</summary>
    public IOException? SpoolFailure { get; private set; }

    /// <summary>Octets of the header section so far (see <see cref="HeaderSectionMeter"/>): the session refuses past <c>Smtp:MaxHeaderSize</c>.</summary>
    public long HeaderSectionLength => _headerSection.Length;

    /// <summary>
    /// Appends octets. Returns false (and appends nothing) when they would pass <see cref="MaxLength"/>. When the spool
    /// file cannot be written, the octets are dropped (true) and <see cref="SpoolFailure"/> says why.
    /// </summary>
    public bool TryAppend(ReadOnlySpan<byte> data)
    {
        if (Length + data.Length > MaxLength) return false;
        _headerSection.Feed(data);
        if (SpoolFailure is not null) return true;
        while (!data.IsEmpty)
        {
            int n;
            if (_staging is null)
            {
                if (_lastUsed == SegmentSize)
                {
                    if ((long)_segments.Count * SegmentSize >= MemoryLimit)
                    {
                        if (!StartSpool()) return true;
                        continue;
                    }
                    _segments.Add(Pool.Rent(SegmentSize));
                    _lastUsed = 0;
                }
                n = Math.Min(data.Length, SegmentSize - _lastUsed);
                data[..n].CopyTo(_segments[^1].AsSpan(_lastUsed));
                _lastUsed += n;
            }
            else
            {
                if (_stagingUsed == SegmentSize && !Spill()) return true;
                n = Math.Min(data.Length, SegmentSize - _stagingUsed);
                data[..n].CopyTo(_staging.AsSpan(_stagingUsed));
                _stagingUsed += n;
            }
            Length += n;
            data = data[n..];
        }
        return true;
    }

    /// <summary>Appends every segment of <paramref name="data"/>; false if it would pass <see cref="MaxLength"/>.</summary>
    public bool TryAppend(in ReadOnlySequence<byte> data)
    {
        if (Length + data.Length > MaxLength) return false;
        foreach (var memory in data) TryAppend(memory.Span);
        return true;
    }

    /// <summary>Empties the buffer, returning its segments to the pool and deleting its spool file.</summary>
    public void Clear()
    {
        foreach (var s in _segments) Pool.Return(s);
        _segments.Clear();
        _lastUsed = SegmentSize;
        if (_staging is not null) Pool.Return(_staging);
        _staging = null;
        _stagingUsed = 0;
        _spool?.Dispose();
        _spool = null;
        _spooled = 0;
        SpoolFailure = null;
        Length = 0;
        _headerSection.Reset();
    }

    /// <summary>Copies the content into <paramref name="destination"/>, which must be at least <see cref="Length"/> long.</summary>
    public void CopyTo(Span<byte> destination)
    {
        using var stream = OpenRead();
        stream.ReadExactly(destination[..checked((int)Length)]);
    }

    /// <summary>The content as one new array (for parsers that need contiguous bytes).</summary>
    public byte[] ToArray()
    {
        var result = new byte[Length];
        CopyTo(result);
        return result;
    }

    /// <summary>
    /// The content as a sequence over the pooled segments, without copying it. Valid while the content is
    /// neither appended to nor cleared (for the session: until <see cref="ISmtpSessionHandler.OnMessageAsync"/> returns).
    /// </summary>
    /// <exception cref="InvalidOperationException">Part of the content is spooled (<see cref="IsSpooled"/>): read it with <see cref="OpenRead"/>.</exception>
    public ReadOnlySequence<byte> ToSequence()
    {
        if (IsSpooled) throw new InvalidOperationException("The message is spooled to a file; read it with OpenRead.");
        if (_segments.Count == 0) return ReadOnlySequence<byte>.Empty;
        if (_segments.Count == 1) return new ReadOnlySequence<byte>(_segments[0], 0, (int)Length);
        Chunk? first = null, last = null;
        long left = Length;
        foreach (var s in _segments)
        {
            var n = (int)Math.Min(left, SegmentSize);
            last = last is null ? first = new Chunk(s.AsMemory(0, n), 0) : last.Append(s.AsMemory(0, n));
            left -= n;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>A read-only, seekable stream over the content (memory and spool file), without copying it. Valid as long as <see cref="ToSequence"/> would be.</summary>
    public Stream OpenRead() => new SegmentStream(this);

    /// <summary>Writes the content to <paramref name="destination"/>.</summary>
    public async ValueTask CopyToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        await using var source = OpenRead();
        await source.CopyToAsync(destination, SegmentSize, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => Clear();

    /// <summary>Octets held in memory segments: all of them, or the memory limit once spooling.</summary>
    private long InMemory => _staging is null ? Length : (long)_segments.Count * SegmentSize;

    /// <summary>Opens the spool file (its name is removed at once where the system allows: nothing is left behind after a crash).</summary>
    private bool StartSpool()
    {
        try
        {
            Directory.CreateDirectory(_spoolFolder!);
            var path = Path.Combine(_spoolFolder!, $"{Guid.NewGuid():N}.spool");
            _spool = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Delete, FileOptions.DeleteOnClose);
            if (!OperatingSystem.IsWindows()) File.Delete(path);
            _staging = Pool.Rent(SegmentSize);
            _stagingUsed = 0;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            SpoolFailure = e as IOException ?? new IOException(e.Message, e);
            return false;
        }
    }

    /// <summary>Writes the full staging segment to the spool file.</summary>
    private bool Spill()
    {
        try
        {
            RandomAccess.Write(_spool!, _staging.AsSpan(), _spooled);
            _spooled += SegmentSize;
            _stagingUsed = 0;
            return true;
        }
        catch (IOException e)
        {
            SpoolFailure = e;
            return false;
        }
    }

    /// <summary>Reads octets at <paramref name="position"/> from wherever they lie; returns how many (at most up to the next region).</summary>
    private int ReadAt(long position, Span<byte> buffer)
    {
        var inMemory = InMemory;
        if (position < inMemory)
        {
            var within = (int)(position % SegmentSize);
            var n = (int)Math.Min(Math.Min(SegmentSize - within, inMemory - position), buffer.Length);
            _segments[(int)(position / SegmentSize)].AsSpan(within, n).CopyTo(buffer);
            return n;
        }
        var spoolPosition = position - inMemory;
        if (spoolPosition < _spooled)
        {
            var n = (int)Math.Min(_spooled - spoolPosition, buffer.Length);
            return RandomAccess.Read(_spool!, buffer[..n], spoolPosition);
        }
        var staged = (int)(spoolPosition - _spooled);
        var count = Math.Min(_stagingUsed - staged, buffer.Length);
        _staging.AsSpan(staged, count).CopyTo(buffer);
        return count;
    }

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Chunk Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Chunk(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    private sealed class SegmentStream(MessageContent owner) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => owner.Length;
        public override long Position
        {
            get => _position;
            set => _position = Math.Clamp(value, 0, owner.Length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int total = 0;
            while (!buffer.IsEmpty && _position < owner.Length)
            {
                var n = owner.ReadAt(_position, buffer);
                if (n == 0) break;
                buffer = buffer[n..];
                _position += n;
                total += n;
            }
            return total;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => owner.Length + offset,
            };
            return _position;
        }

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
