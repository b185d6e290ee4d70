using System.Collections.ObjectModel;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Browser.Tests;

/// <summary>
/// One headless Chromium shared by the browser tests (they run one after another in the "browser" collection), with
/// bounded waits and screenshots. Started lazily, so a machine without Chromium skips without starting anything.
/// </summary>
public sealed class Browser : IDisposable
{
    /// <summary>The longest any wait for the page waits.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    private readonly TempFolder _profile = new();
    private ChromeDriver? _driver;

    public ChromeDriver Driver => _driver ??= Chromium.Start(_profile.Path);

    /// <summary>Where screenshots go: SMARTHOSTLAB_SCREENSHOTS, else screenshots/ beside the test binaries.</summary>
    public static string ScreenshotFolder =>
        Environment.GetEnvironmentVariable("SMARTHOSTLAB_SCREENSHOTS") is { Length: > 0 } folder ? folder : Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Loads <paramref name="url"/> (a fresh page: the scripts start again).</summary>
    public void Open(Uri url) => Driver.Navigate().GoToUrl(url);

    /// <summary>Waits until <paramref name="condition"/> gives a value (not null, not false) and returns it; fails after <see cref="WaitLimit"/>.</summary>
    public T Until<T>(Func<IWebDriver, T> condition, string what)
    {
        var wait = new WebDriverWait(Driver, WaitLimit) { Message = "waited for " + what };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition);
    }

    /// <summary>The first element matching <paramref name="css"/>, once there and shown.</summary>
    public IWebElement Element(string css) =>
        Until(d => d.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed), css)!;

    /// <summary>The elements matching <paramref name="css"/> now.</summary>
    public ReadOnlyCollection<IWebElement> Elements(string css) => Driver.FindElements(By.CssSelector(css));

    /// <summary>Waits until an element matching <paramref name="css"/> holds <paramref name="text"/>, and returns it.</summary>
    public IWebElement ElementWithText(string css, string text) =>
        Until(d => d.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Text.Contains(text, StringComparison.Ordinal)), $"{css} holding \"{text}\"")!;

    /// <summary>Runs a script in the page (the test's own probe, never message content).</summary>
    public object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    /// <summary>True when the page opened an alert (message content ran script).</summary>
    public bool AlertOpen()
    {
        try
        {
            _ = Driver.SwitchTo().Alert().Text;
            return true;
        }
        catch (NoAlertPresentException)
        {
            return false;
        }
    }

    /// <summary>Saves a screenshot as <paramref name="name"/>.png in <see cref="ScreenshotFolder"/>; returns its path.</summary>
    public string Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    /// <summary>Sets the window's size (a narrow window, or back to 1400 × 1000).</summary>
    public void Size(int width, int height) => Driver.Manage().Window.Size = new System.Drawing.Size(width, height);

    public void Dispose()
    {
        if (_driver is not null)
        {
            _driver.Quit();
            _driver.Dispose();
        }
        _profile.Dispose();
    }
}

/// <summary>The browser tests share one Chromium and run one at a time.</summary>
[CollectionDefinition("browser")]
public sealed class BrowserCollection : ICollectionFixture<Browser>;
