using SmarthostLab.Tests.Support;

namespace SmarthostLab.Fuzz.Tests;

/// <summary>
/// Every file of fuzz/corpus/&lt;target&gt; (the seeds) and fuzz/regressions/&lt;target&gt; (inputs that once broke a
/// parser, kept after the fix) goes through the same target the fuzzers run: any exception or broken invariant fails.
/// </summary>
public sealed class CorpusReplayTests
{
    private static string FuzzFolder => Path.Combine(RepositoryFiles.Root(), "fuzz");

    /// <summary>(target, "corpus" or "regressions", file name) for every kept input.</summary>
    public static TheoryData<string, string, string> Inputs()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var kind in new[] { "corpus", "regressions" })
        {
            foreach (var target in FuzzTargets.All)
            {
                var folder = Path.Combine(FuzzFolder, kind, target.Name);
                if (!Directory.Exists(folder)) continue;
                foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
                    data.Add(target.Name, kind, Path.GetFileName(file));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Kept_input_passes_its_target(string target, string kind, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(FuzzFolder, kind, target, file));
        FuzzTargets.Find(target)!.Run(input);
    }

    [Fact]
    public void Every_target_has_seeds_and_every_kept_folder_names_a_target()
    {
        foreach (var target in FuzzTargets.All)
            Assert.True(Directory.EnumerateFiles(Path.Combine(FuzzFolder, "corpus", target.Name)).Any(), $"fuzz/corpus/{target.Name} is empty");
        foreach (var kind in new[] { "corpus", "regressions" })
        {
            foreach (var folder in Directory.EnumerateDirectories(Path.Combine(FuzzFolder, kind)))
                Assert.True(FuzzTargets.Find(Path.GetFileName(folder)) is not null, $"fuzz/{kind}/{Path.GetFileName(folder)} is no target's folder");
        }
    }

    [Fact]
    public void Every_target_has_a_dictionary_the_mutator_reads()
    {
        foreach (var target in FuzzTargets.All)
        {
            var tokens = Mutator.ReadDictionary(Path.Combine(FuzzFolder, "dict", target.Name + ".dict"));
            Assert.NotEmpty(tokens);
            Assert.All(tokens, t => Assert.NotEmpty(t));
        }
    }
}
