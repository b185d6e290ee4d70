using Xunit.Abstractions;

namespace SmarthostLab.Verification.Tests.Spf;

/// <summary>The Stalwart mail-auth SPF expectations, driven through <see cref="SmarthostLab.Verification.Spf.SpfEvaluator"/>.</summary>
public sealed class StalwartSuiteTests(ITestOutputHelper output)
{
    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var test in StalwartSuite.Cases)
        {
            data.Add(test.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public async Task Stalwart_case_gives_the_expected_result(string id)
    {
        var failure = await StalwartSuite.Cases.Single(c => c.Id == id).RunAsync();
        Assert.Null(failure);
    }

    [Fact]
    public async Task All_stalwart_cases_pass()
    {
        var failures = new List<string>();
        foreach (var test in StalwartSuite.Cases)
        {
            if (await test.RunAsync() is { } failure)
            {
                failures.Add(failure);
            }
        }

        var total = StalwartSuite.Cases.Count;
        var deviations = StalwartSuite.Deviations.Count;
        output.WriteLine($"Stalwart mail-auth SPF: {total - failures.Count} of {total} cases pass ({total - deviations} as Stalwart expects, {deviations} with the RFC 7208 result where Stalwart differs):");
        foreach (var (id, (result, why)) in StalwartSuite.Deviations)
        {
            output.WriteLine($"  {id}: {result}: {why}");
        }

        failures.ForEach(output.WriteLine);
        Assert.Equal(163, StalwartSuite.Cases.Count);
        Assert.Empty(failures);
    }
}
