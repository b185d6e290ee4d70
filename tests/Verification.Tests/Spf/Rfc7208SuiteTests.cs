using Xunit.Abstractions;

namespace SmarthostLab.Verification.Tests.Spf;

/// <summary>Every case of the openspf RFC 7208 suite, driven through <see cref="SmarthostLab.Verification.Spf.SpfEvaluator"/>.</summary>
public sealed class Rfc7208SuiteTests(ITestOutputHelper output)
{
    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var test in Rfc7208Suite.Cases)
        {
            data.Add(test.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public async Task Rfc7208_case_gives_an_expected_result(string id)
    {
        var test = Rfc7208Suite.Cases.Single(c => c.Id == id);
        var failure = await test.RunAsync();
        Assert.Null(failure);
    }

    [Fact]
    public async Task All_203_rfc7208_cases_pass()
    {
        var failures = new List<string>();
        foreach (var test in Rfc7208Suite.Cases)
        {
            if (await test.RunAsync() is { } failure)
            {
                failures.Add(failure);
            }
        }

        var total = Rfc7208Suite.Cases.Count;
        output.WriteLine($"RFC 7208 suite: {total - failures.Count} of {total} cases pass");
        foreach (var failure in failures)
        {
            output.WriteLine(failure);
        }

        Assert.Equal(203, total);
        Assert.Empty(failures);
    }
}
