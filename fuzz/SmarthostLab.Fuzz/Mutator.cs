using System.Text;

namespace SmarthostLab.Fuzz;

/// <summary>
/// A small, seeded, coverage-blind mutation engine for running the targets in process where afl-fuzz or libFuzzer is
/// not at hand: picks a corpus file, applies 1–8 mutations (bit flips, interesting bytes, insertions, deletions,
/// repeated ranges, dictionary tokens, splices with another file) and hands the result to the target. The same seed,
/// corpus and dictionary give the same inputs.
/// </summary>
public sealed class Mutator
{
    private static readonly byte[] Interesting = [0, 1, 0x7f, 0x80, 0xff, (byte)'\r', (byte)'\n', (byte)' ', (byte)'\t', (byte)'.', (byte)';', (byte)'=',
        (byte)':', (byte)'<', (byte)'>', (byte)'"', (byte)'\\', (byte)'(', (byte)')', (byte)'%', (byte)'/', (byte)'@', (byte)'0', (byte)'9'];

    private readonly Random _random;
    private readonly IReadOnlyList<byte[]> _corpus;
    private readonly IReadOnlyList<byte[]> _dictionary;
    private readonly int _maxLength;

    /// <summary>Creates the mutator.</summary>
    /// <param name="seed">Seed of the random sequence.</param>
    /// <param name="corpus">Inputs to start from (at least one; an empty input is used when none).</param>
    /// <param name="dictionary">Tokens of the target's grammar (may be empty).</param>
    /// <param name="maxLength">Inputs are cut to this many octets.</param>
    public Mutator(int seed, IReadOnlyList<byte[]> corpus, IReadOnlyList<byte[]> dictionary, int maxLength = 64 * 1024)
    {
        _random = new Random(seed);
        _corpus = corpus.Count > 0 ? corpus : [[]];
        _dictionary = dictionary;
        _maxLength = maxLength;
    }

    /// <summary>The next input.</summary>
    public byte[] Next()
    {
        var data = new List<byte>(_corpus[_random.Next(_corpus.Count)]);
        var rounds = 1 << _random.Next(4);
        for (var k = 0; k < rounds; k++) Mutate(data);
        if (data.Count > _maxLength) data.RemoveRange(_maxLength, data.Count - _maxLength);
        return [.. data];
    }

    private void Mutate(List<byte> data)
    {
        switch (_random.Next(data.Count == 0 ? 3 : 11))
        {
            case 0: // insert an interesting octet
                data.Insert(Position(data, inclusive: true), Interesting[_random.Next(Interesting.Length)]);
                break;
            case 1: // insert a dictionary token
                if (_dictionary.Count > 0) data.InsertRange(Position(data, inclusive: true), _dictionary[_random.Next(_dictionary.Count)]);
                break;
            case 2: // splice: a range of another corpus file
            {
                var other = _corpus[_random.Next(_corpus.Count)];
                if (other.Length == 0) break;
                var from = _random.Next(other.Length);
                var n = 1 + _random.Next(Math.Min(64, other.Length - from));
                data.InsertRange(Position(data, inclusive: true), other.Skip(from).Take(n));
                break;
            }
            case 3: // flip a bit
            {
                var at = Position(data);
                data[at] ^= (byte)(1 << _random.Next(8));
                break;
            }
            case 4: // set an interesting octet
                data[Position(data)] = Interesting[_random.Next(Interesting.Length)];
                break;
            case 5: // set a random octet
                data[Position(data)] = (byte)_random.Next(256);
                break;
            case 6: // delete a range
            {
                var at = Position(data);
                data.RemoveRange(at, 1 + _random.Next(Math.Min(16, data.Count - at)));
                break;
            }
            case 7: // repeat a range, up to a few thousand times: long lines, deep nesting, big numbers
            {
                var at = Position(data);
                var n = 1 + _random.Next(Math.Min(16, data.Count - at));
                var range = data.GetRange(at, n);
                var times = _random.Next(4) == 0 ? 1 + _random.Next(4096) : 1 + _random.Next(8);
                for (var t = 0; t < times && data.Count < _maxLength; t++) data.InsertRange(at, range);
                break;
            }
            case 8: // overwrite with a dictionary token
            {
                if (_dictionary.Count == 0) break;
                var token = _dictionary[_random.Next(_dictionary.Count)];
                var at = Position(data);
                for (var t = 0; t < token.Length && at + t < data.Count; t++) data[at + t] = token[t];
                break;
            }
            case 9: // truncate
            {
                var at = Position(data);
                data.RemoveRange(at, data.Count - at);
                break;
            }
            default: // replace a digit run with a boundary number
            {
                var numbers = new[] { "0", "1", "-1", "255", "256", "4294967295", "4294967296", "2147483647", "9223372036854775807", "99999999999999999999" };
                var token = Encoding.ASCII.GetBytes(numbers[_random.Next(numbers.Length)]);
                var at = Position(data);
                var end = at;
                while (end < data.Count && char.IsAsciiDigit((char)data[end])) end++;
                data.RemoveRange(at, end - at);
                data.InsertRange(at, token);
                break;
            }
        }
    }

    private int Position(List<byte> data, bool inclusive = false) => _random.Next(data.Count + (inclusive ? 1 : 0));

    /// <summary>Reads an AFL dictionary (lines <c>name="token"</c> or <c>"token"</c>, with \\, \" and \xHH escapes; '#' comments).</summary>
    public static List<byte[]> ReadDictionary(string path)
    {
        var tokens = new List<byte[]>();
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var open = line.IndexOf('"');
            var close = line.LastIndexOf('"');
            if (open < 0 || close <= open) continue;
            var body = line[(open + 1)..close];
            var bytes = new List<byte>();
            for (var k = 0; k < body.Length; k++)
            {
                if (body[k] == '\\' && k + 1 < body.Length)
                {
                    if (body[k + 1] == 'x' && k + 3 < body.Length)
                    {
                        bytes.Add(Convert.ToByte(body.Substring(k + 2, 2), 16));
                        k += 3;
                    }
                    else
                    {
                        bytes.Add((byte)body[++k]);
                    }
                }
                else
                {
                    bytes.Add((byte)body[k]);
                }
            }
            tokens.Add([.. bytes]);
        }
        return tokens;
    }
}
