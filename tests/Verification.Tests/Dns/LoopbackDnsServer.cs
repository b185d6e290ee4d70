using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Verification.Tests.Dns;

/// <summary>
/// A tiny UDP DNS responder on 127.0.0.1 (port chosen by the OS) for exercising the live resolver
/// for real. The handler decides per question: answer records, an error RCODE, or silence.
/// </summary>
internal sealed class LoopbackDnsServer : IAsyncDisposable
{
    private readonly UdpClient socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly Func<string, ushort, Reply?> handler;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int received;

    public LoopbackDnsServer(Func<string, ushort, Reply?> handler)
    {
        this.handler = handler;
        loop = Task.Run(RunAsync);
    }

    public IPEndPoint EndPoint => (IPEndPoint)socket.Client.LocalEndPoint!;

    public int Received => Volatile.Read(ref received);

    public static byte[] TxtData(params byte[][] strings)
    {
        var data = new List<byte>();
        foreach (var s in strings)
        {
            data.Add((byte)s.Length);
            data.AddRange(s);
        }

        return [.. data];
    }

    public static byte[] SoaData(uint minimum)
    {
        var data = new List<byte>();
        data.AddRange(Name("ns1.lab.test"));
        data.AddRange(Name("hostmaster.lab.test"));
        var numbers = new byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(0), 1);
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(4), 3600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(8), 600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(12), 86400);
        BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(16), minimum);
        data.AddRange(numbers);
        return [.. data];
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        socket.Dispose();
        try
        {
            await loop;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }

        stop.Dispose();
    }

    private async Task RunAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await socket.ReceiveAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref received);
            var query = request.Buffer;
            var offset = 12;
            var labels = new List<string>();
            while (query[offset] != 0)
            {
                labels.Add(Encoding.ASCII.GetString(query, offset + 1, query[offset]));
                offset += query[offset] + 1;
            }

            offset++;
            var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset));
            var questionEnd = offset + 4;
            var reply = handler(string.Join('.', labels), type);
            if (reply is null)
            {
                continue;
            }

            var response = new List<byte>();
            response.AddRange(query.AsSpan(0, 2).ToArray());
            response.Add(0x81);
            response.Add((byte)(0x80 | reply.RCode));
            response.AddRange([0, 1]);
            response.AddRange(U16((ushort)reply.Answers.Count));
            response.AddRange(U16((ushort)reply.Authority.Count));
            response.AddRange([0, 0]);
            response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
            foreach (var rr in reply.Answers.Concat(reply.Authority))
            {
                response.AddRange([0xC0, 0x0C]);
                response.AddRange(U16(rr.Type));
                response.AddRange([0, 1]);
                var ttl = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(ttl, rr.Ttl);
                response.AddRange(ttl);
                response.AddRange(U16((ushort)rr.Data.Length));
                response.AddRange(rr.Data);
            }

            await socket.SendAsync(response.ToArray(), request.RemoteEndPoint);
        }
    }

    private static byte[] U16(ushort value) => [(byte)(value >> 8), (byte)value];

    private static byte[] Name(string name)
    {
        var data = new List<byte>();
        foreach (var label in name.Split('.'))
        {
            data.Add((byte)label.Length);
            data.AddRange(Encoding.ASCII.GetBytes(label));
        }

        data.Add(0);
        return [.. data];
    }

    /// <summary>One resource record of a reply (owner = the question name).</summary>
    public sealed record Rr(ushort Type, uint Ttl, byte[] Data);

    /// <summary>A reply: RCODE, answers, authority records.</summary>
    public sealed record Reply(int RCode, IReadOnlyList<Rr> Answers, IReadOnlyList<Rr> Authority);
}
