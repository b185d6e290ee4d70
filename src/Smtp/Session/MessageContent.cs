using System.Buffers;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Smtp.Session;

/// <summary>
/// The bytes of one message as received (dot-unstuffed for DATA, concatenated chunks for BDAT),
/// held in pooled segments so that many concurrent sessions do not allocate one large array each.
/// Appending past <see cref="MaxLength"/> is refused by the session before it reaches here.
/// Owned by the session; valid until disposed after <see cref="ISmtpSessionHandler.OnMessageAsync"/>.
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
    private int _lastUsed = SegmentSize;

    /// <summary>Creates an empty buffer that may grow to <paramref name="maxLength"/> octets.</summary>
    public MessageContent(long maxLength) => MaxLength = maxLength;

    /// <summary>Hard upper bound of <see cref="Length"/>.</summary>
    public long MaxLength { get; }

    /// <summary>Octets held.</summary>
    public long Length { get; private set; }

    /// <summary>Octets of the header section so far (see <see cref="HeaderSectionMeter"/>): the session refuses past <c>Smtp:MaxHeaderSize</c>.</summary>
    public long HeaderSectionLength => _headerSection.Length;

    /// <summary>The message is whole: settles what <see cref="HeaderSectionLength"/> could not know while octets arrived.</summary>
    public void Complete() => _headerSection.Finish();

    /// <summary>Appends octets. Returns false (and appends nothing) when they would pass <see cref="MaxLength"/>.</summary>
    public bool TryAppend(ReadOnlySpan<byte> data)
    {
        if (Length + data.Length > MaxLength) return false;
        _headerSection.Feed(data);
        while (!data.IsEmpty)
        {
            if (_lastUsed == SegmentSize)
            {
                _segments.Add(Pool.Rent(SegmentSize));
                _lastUsed = 0;
            }
            var n = Math.Min(data.Length, SegmentSize - _lastUsed);
            data[..n].CopyTo(_segments[^1].AsSpan(_lastUsed));
            _lastUsed += n;
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

    /// <summary>Empties the buffer, returning its segments to the pool.</summary>
    public void Clear()
    {
        foreach (var s in _segments) Pool.Return(s);
        _segments.Clear();
        _lastUsed = SegmentSize;
        Length = 0;
        _headerSection.Reset();
    }

    /// <summary>Copies the content into <paramref name="destination"/>, which must be at least <see cref="Length"/> long.</summary>
    public void CopyTo(Span<byte> destination)
    {
        long left = Length;
        foreach (var s in _segments)
        {
            var n = (int)Math.Min(left, SegmentSize);
            s.AsSpan(0, n).CopyTo(destination);
            destination = destination[n..];
            left -= n;
        }
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
    public ReadOnlySequence<byte> ToSequence()
    {
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

    /// <summary>A read-only stream over the content, without copying it.</summary>
    public Stream OpenRead() => new SegmentStream(this);

    /// <summary>Writes the content to <paramref name="destination"/>.</summary>
    public async ValueTask CopyToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        long left = Length;
        foreach (var s in _segments)
        {
            var n = (int)Math.Min(left, SegmentSize);
            await destination.WriteAsync(s.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            left -= n;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Clear();

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
                var segment = (int)(_position / SegmentSize);
                var within = (int)(_position % SegmentSize);
                var available = (int)Math.Min(SegmentSize - within, owner.Length - _position);
                var n = Math.Min(available, buffer.Length);
                owner._segments[segment].AsSpan(within, n).CopyTo(buffer);
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
