namespace SmarthostLab.Relay.Storage;

/// <summary>
/// The token index: the <see cref="TokenSignature"/> of each of the newest messages, by row (messages.seq), in
/// memory. A token query tests every signature (≈ 0.5 ms per 100,000 messages) and reads only the candidate rows,
/// plus any row below <see cref="View.Floor"/>, instead of running LIKE over every row's header text.
/// <para>
/// Nothing is kept until the first token search asks for the index (<see cref="Want"/>). From then on the store's
/// writer adds an entry as it inserts a row, before the commit, so every row committed since has one; entries of rows
/// rolled back or deleted stay until they age out and only cost a candidate that the query's LIKE finds gone. The rows
/// stored before are loaded in the background and put in front (<see cref="Prepend"/>); until then <see cref="Find"/>
/// answers null and queries scan. Readers take no lock: they read one immutable
/// <see cref="View"/> (chunks and floor together), entries are immutable once their chunk's count is published, and
/// chunks are never reused.
/// </para>
/// </summary>
internal sealed class TokenIndex
{
    /// <summary>Signature words per chunk: 64 KiB, below the large object heap.</summary>
    private const int ChunkWords = 8192;

    private const int ChunkEntries = ChunkWords / TokenSignature.MinWords;

    private readonly int _capacity;
    private readonly Lock _gate = new(); // changes of the view: the writer's new chunks, drops, and the load's prepend
    private View _view = new([], 0);
    private int _count;
    private volatile bool _loaded;
    private int _wanted;

    /// <summary>An index keeping the signatures of the newest <paramref name="capacity"/> rows (whole chunks are dropped past it).</summary>
    public TokenIndex(int capacity) => _capacity = Math.Max(capacity, ChunkEntries);

    /// <summary>Entries kept at least (the newest).</summary>
    public int Capacity => _capacity;

    /// <summary>Rows below this seq have no entry (the oldest were dropped, or never loaded): a query scans them.</summary>
    public long Floor => Volatile.Read(ref _view).Floor;

    /// <summary>Entries held.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>True once a token search asked for the index (<see cref="Want"/>): messages are signed as they are stored from then on.</summary>
    public bool Wanted => Volatile.Read(ref _wanted) != 0;

    /// <summary>Marks the index as wanted; true for the one caller that did it first, which has it built.</summary>
    public bool Want() => Volatile.Read(ref _wanted) == 0 && Interlocked.Exchange(ref _wanted, 1) == 0;

    /// <summary>Adds the entry of row <paramref name="seq"/>; called by the store's writer only (one thread).</summary>
    public void Add(long seq, ulong[] signature)
    {
        var chunks = Volatile.Read(ref _view).Chunks;
        var chunk = chunks.Length > 0 ? chunks[^1] : null;
        if (chunk is null || chunk.Count == ChunkEntries || chunk.Used + signature.Length > ChunkWords)
        {
            chunk = new Chunk();
            lock (_gate) Publish(_view with { Chunks = [.. _view.Chunks, chunk] }, 0);
        }
        chunk.Append(seq, signature);
        lock (_gate) Publish(_view, 1);
    }

    /// <summary>
    /// Puts the entries of the rows stored before the relay started (<paramref name="loaded"/>, made by
    /// <see cref="ForLoading"/>) in front of the writer's; <see cref="Find"/> answers from then on.
    /// </summary>
    public void Prepend(TokenIndex loaded)
    {
        lock (_gate)
        {
            // Unless the writer's own entries passed the capacity meanwhile: the loaded ones, older, would go at once.
            if (_view.Floor == 0) Publish(new View([.. loaded._view.Chunks, .. _view.Chunks], loaded._view.Floor), loaded._count);
        }
        _loaded = true;
    }

    /// <summary>
    /// The rows that may contain <paramref name="token"/> and the floor below which rows must be scanned; null when
    /// the index cannot help: still loading, a token shorter than <see cref="TokenSignature.MinTokenLength"/>, or one so
    /// common that more than a third of the rows are candidates (reading them by row would cost more than the scan).
    /// </summary>
    public (List<long> Seqs, long Floor)? Find(string token)
    {
        if (!_loaded || TokenSignature.QueryOf(token) is not { } query) return null;
        var view = Volatile.Read(ref _view);
        var seqs = new List<long>();
        var total = 0;
        foreach (var chunk in view.Chunks)
        {
            var count = Volatile.Read(ref chunk.Count);
            total += count;
            for (var i = 0; i < count; i++)
            {
                if (TokenSignature.MayContain(chunk.Words.AsSpan(chunk.Starts[i], chunk.Starts[i + 1] - chunk.Starts[i]), query))
                    seqs.Add(chunk.Seqs[i]);
            }
        }
        return seqs.Count > Math.Max(1_000, total / 3) ? null : (seqs, view.Floor);
    }

    /// <summary>A fresh index of this capacity to load rows from <paramref name="floor"/> on into (see <see cref="Prepend"/>); it answers at once.</summary>
    public TokenIndex ForLoading(long floor) => new(_capacity) { _loaded = true, _view = new View([], floor) };

    /// <summary>
    /// Publishes <paramref name="view"/> with <paramref name="added"/> entries more, dropping the oldest chunks past the
    /// capacity; the floor rises above each dropped chunk in the same view, so a reader scans what it no longer finds.
    /// </summary>
    private void Publish(View view, int added)
    {
        var count = _count + added;
        while (view.Chunks.Length > 1 && count - view.Chunks[0].Count >= _capacity)
        {
            var oldest = view.Chunks[0];
            count -= oldest.Count;
            view = new View(view.Chunks[1..], Math.Max(view.Floor, oldest.MaxSeq + 1));
        }
        Volatile.Write(ref _count, count);
        Volatile.Write(ref _view, view);
    }

    /// <summary>The chunks and the floor, published together.</summary>
    private sealed record View(Chunk[] Chunks, long Floor);

    private sealed class Chunk
    {
        public readonly ulong[] Words = new ulong[ChunkWords];
        public readonly long[] Seqs = new long[ChunkEntries];
        public readonly int[] Starts = new int[ChunkEntries + 1];
        public int Count;
        public int Used;
        public long MaxSeq;

        public void Append(long seq, ulong[] signature)
        {
            signature.CopyTo(Words, Used);
            Used += signature.Length;
            Seqs[Count] = seq;
            Starts[Count + 1] = Used;
            MaxSeq = Math.Max(MaxSeq, seq);
            Volatile.Write(ref Count, Count + 1); // publishes the entry written above
        }
    }
}
