using System.IO.Pipelines;

namespace SmarthostLab.Smtp.Server;

/// <summary>Pipes over a stream (the <see cref="System.Net.Security.SslStream"/> after a handshake).</summary>
internal sealed class StreamDuplexPipe(Stream stream) : IDuplexPipe
{
    public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
    public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
}
