using System.Buffers;
using System.IO.Pipelines;

namespace SmarthostLab.Bench.Session;

/// <summary>
/// The server's side of an in-memory connection: it reads what the client wrote into one pipe and
/// writes its replies into another, which has no back-pressure so the benchmark needs no reader for it.
/// </summary>
internal sealed class InMemoryDuplexPipe : IDuplexPipe
{
    private static readonly PipeOptions Unbounded = new(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false);

    /// <summary>Creates the pipes; the client's bytes are written and completed at once.</summary>
    public InMemoryDuplexPipe(ReadOnlySpan<byte> clientBytes)
    {
        var fromClient = new Pipe(Unbounded);
        fromClient.Writer.Write(clientBytes);
        fromClient.Writer.Complete();
        Input = fromClient.Reader;
        Replies = new Pipe(Unbounded);
        Output = Replies.Writer;
    }

    /// <inheritdoc />
    public PipeReader Input { get; }

    /// <inheritdoc />
    public PipeWriter Output { get; }

    /// <summary>The pipe the server's replies land in.</summary>
    public Pipe Replies { get; }
}
