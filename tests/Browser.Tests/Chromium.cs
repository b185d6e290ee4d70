using OpenQA.Selenium.Chrome;

namespace SmarthostLab.Browser.Tests;

/// <summary>
/// Debian's Chromium and its WebDriver (packages chromium, chromium-driver; .ci/install-chromium.sh), or the ones named by
/// SMARTHOSTLAB_CHROMIUM and SMARTHOSTLAB_CHROMEDRIVER. The browser runs headless and can reach loopback only: every
/// other host goes to a proxy that is not there, and no name resolves.
/// </summary>
public static class Chromium
{
    private static readonly Lazy<(string? Browser, string? Driver, string? Problem)> Found = new(Find);

    /// <summary>True when both are there; otherwise <paramref name="reason"/> says what is missing (the skip reason).</summary>
    public static bool IsAvailable(out string reason)
    {
        reason = Found.Value.Problem ?? "";
        return Found.Value.Problem is null;
    }

    private static (string?, string?, string?) Find()
    {
        var browser = Environment.GetEnvironmentVariable("SMARTHOSTLAB_CHROMIUM") is { Length: > 0 } b ? b : "/usr/bin/chromium";
        var driver = Environment.GetEnvironmentVariable("SMARTHOSTLAB_CHROMEDRIVER") is { Length: > 0 } d ? d : "/usr/bin/chromedriver";
        if (!File.Exists(browser)) return (null, null, $"Chromium is not installed ({browser}; bash .ci/install-chromium.sh installs Debian's chromium and chromium-driver)");
        if (!File.Exists(driver)) return (null, null, $"chromedriver is not installed ({driver}; bash .ci/install-chromium.sh installs Debian's chromium-driver)");
        return (browser, driver, null);
    }

    /// <summary>Starts a headless browser with its own profile folder (<paramref name="profile"/>).</summary>
    public static ChromeDriver Start(string profile)
    {
        var (browser, driver, problem) = Found.Value;
        if (problem is not null) throw new InvalidOperationException(problem);
        // Selenium Manager would look for drivers online; both paths are given, and it must not try.
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driver)!, Path.GetFileName(driver)!);
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = browser };
        options.AddArguments(
            "--headless=new", "--disable-gpu", "--window-size=1400,1000", "--disable-dev-shm-usage",
            "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-pings", "--dns-prefetch-disable",
            "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
            // Loopback only: anything else goes to a closed port, and no host name resolves.
            "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1");
        // Chromium's sandbox refuses to start as root (containers, CI): only then is it turned off.
        if (Environment.UserName == "root") options.AddArgument("--no-sandbox");
        options.AddUserProfilePreference("download.default_directory", Path.Combine(profile, "downloads"));
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}

/// <summary>A fact that needs Chromium; elsewhere it is reported as skipped, with the reason.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Marks the test skipped when Chromium or its driver is missing.</summary>
    public BrowserFactAttribute()
    {
        if (!Chromium.IsAvailable(out var reason)) Skip = reason;
    }
}
