using System.Diagnostics;
using System.Security.Cryptography;
using SharpFuzz;
using SmarthostLab.Fuzz;

// dotnet run --project fuzz/SmarthostLab.Fuzz -- <target> [--libfuzzer | --replay PATH... | --mutate N [options]]
// See docs/FUZZING.md.
if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
{
    Console.WriteLine("""
        Usage: SmarthostLab.Fuzz <target> [mode]
          (no mode)              run under afl-fuzz (SharpFuzz Fuzzer.Run; without afl-fuzz: one input from stdin)
          --libfuzzer            run under libfuzzer-dotnet (SharpFuzz Fuzzer.LibFuzzer.Run)
          --replay PATH...       run files (or every file of folders) once; exit 1 if any fails
          --mutate N             in-process mutation run of N inputs from the target's corpus, seeded:
              --seed S           random seed (default 1)
              --seconds T        stop after T seconds even if N inputs were not reached
              --corpus DIR       seed inputs (default fuzz/corpus/<target>)
              --findings DIR     where failing inputs are written (default fuzz/findings/<target>)
        Targets:
        """);
    foreach (var t in FuzzTargets.All) Console.WriteLine($"  {t.Name,-9} {t.Description}");
    return 0;
}

var target = FuzzTargets.Find(args[0]);
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

var mode = args.Length > 1 ? args[1] : "";
switch (mode)
{
    case "":
        Fuzzer.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    case "--libfuzzer":
        Fuzzer.LibFuzzer.Run(span => target.Run(span));
        return 0;
    case "--replay":
        return Replay(target, args.Skip(2));
    case "--mutate":
        return Mutate(target, args.Skip(2).ToArray());
    default:
        Console.Error.WriteLine($"unknown mode '{mode}' (see --help)");
        return 2;
}

static int Replay(FuzzTarget target, IEnumerable<string> paths)
{
    var failed = 0;
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order().ToArray() : [p]).ToList();
    foreach (var file in files)
    {
        try
        {
            target.Run(File.ReadAllBytes(file));
            Console.WriteLine($"ok    {file}");
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"FAIL  {file}\n{e}");
        }
    }
    Console.WriteLine($"{files.Count - failed} passed, {failed} failed");
    return failed == 0 ? 0 : 1;
}

static int Mutate(FuzzTarget target, string[] options)
{
    string? Option(string name) => Array.IndexOf(options, name) is var i and >= 0 && i + 1 < options.Length ? options[i + 1] : null;
    var count = long.Parse(options.FirstOrDefault() ?? "10000", System.Globalization.CultureInfo.InvariantCulture);
    var seed = int.Parse(Option("--seed") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
    var seconds = double.Parse(Option("--seconds") ?? "1e9", System.Globalization.CultureInfo.InvariantCulture);
    var root = FuzzPaths.Root();
    var corpusDir = Option("--corpus") ?? Path.Combine(root, "fuzz", "corpus", target.Name);
    var findings = Option("--findings") ?? Path.Combine(root, "fuzz", "findings", target.Name);
    var corpus = Directory.Exists(corpusDir) ? Directory.EnumerateFiles(corpusDir).Order().Select(File.ReadAllBytes).ToList() : [];
    var dictPath = Path.Combine(root, "fuzz", "dict", target.Name + ".dict");
    var dictionary = File.Exists(dictPath) ? Mutator.ReadDictionary(dictPath) : [];
    var mutator = new Mutator(seed, corpus, dictionary);

    var crashes = new Dictionary<string, string>();
    var watch = Stopwatch.StartNew();
    long runs = 0;
    for (; runs < count && watch.Elapsed.TotalSeconds < seconds; runs++)
    {
        var input = mutator.Next();
        try
        {
            target.Run(input);
        }
        catch (Exception e)
        {
            var signature = Signature(e);
            if (crashes.ContainsKey(signature)) continue;
            Directory.CreateDirectory(findings);
            var file = Path.Combine(findings, "crash-" + Convert.ToHexStringLower(SHA1.HashData(input))[..16]);
            File.WriteAllBytes(file, input);
            crashes[signature] = file;
            Console.WriteLine($"crash #{crashes.Count} at run {runs}: {file}\n{e}\n");
        }
        if (runs > 0 && runs % 10000 == 0) Console.WriteLine($"{target.Name}: {runs} runs, {runs / watch.Elapsed.TotalSeconds:0} exec/s, {crashes.Count} distinct crashes");
    }
    Console.WriteLine($"{target.Name}: seed {seed}, {corpus.Count} corpus files, {dictionary.Count} dictionary tokens, {runs} runs in {watch.Elapsed.TotalSeconds:0.0} s ({runs / Math.Max(watch.Elapsed.TotalSeconds, 0.001):0} exec/s), {crashes.Count} distinct crashes");
    return crashes.Count == 0 ? 0 : 1;
}

// One crash per exception type, message shape and throwing frame.
static string Signature(Exception e)
{
    var frame = new StackTrace(e, false).GetFrames().FirstOrDefault()?.GetMethod();
    var message = new string(e.Message.TakeWhile(c => c is not ('\'' or '"' or ':' or '\n')).ToArray());
    return $"{e.GetType().FullName}|{frame?.DeclaringType?.FullName}.{frame?.Name}|{message}";
}
