using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using SmarthostLab.Bench.Load;

namespace SmarthostLab.Bench.Cli;

/// <summary>
/// Options of the bench's commands whose values need a check the type alone does not make (a range, a loopback
/// address, a size): each refuses a bad value with one line naming the flag, e.g.
/// <c>--connections: '0' is not a whole number between 1 and 100000</c>.
/// </summary>
public static class BenchOptions
{
    /// <summary>A whole number between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static Option<int> Whole(string name, int min, int max, int fallback, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => fallback,
        CustomParser = r => Parse(r, fallback, t =>
            int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null,
            $"is not a whole number between {min} and {max}"),
    };

    /// <summary>A number of seconds (read with TimeSpan.FromSeconds) between <paramref name="min"/> and <paramref name="max"/> (decimals allowed).</summary>
    public static Option<double> Seconds(string name, double min, double max, double fallback, string description) => new(name)
    {
        Description = description,
        HelpName = "S",
        DefaultValueFactory = _ => fallback,
        CustomParser = r => Parse(r, fallback, t =>
            double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s >= min && s <= max ? s : (double?)null,
            $"is not a number of seconds between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}"),
    };

    /// <summary>One of <paramref name="choices"/> (the first is the default): <c>--mode: 'x' is not kill, slow-reader or flood</c>.</summary>
    public static Option<string> OneOf(string name, string description, params string[] choices) => new(name)
    {
        Description = description,
        HelpName = string.Join('|', choices),
        DefaultValueFactory = _ => choices[0],
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? choices[0] : r.Tokens[0].Value;
            if (choices.Contains(text, StringComparer.Ordinal)) return text;
            r.AddError($"{name}: '{text}' is not {string.Join(", ", choices[..^1])} or {choices[^1]}");
            return choices[0];
        },
    };

    /// <summary>A loopback <c>ADDRESS:PORT</c>: the bench only loads this machine.</summary>
    public static Option<IPEndPoint?> LoopbackEndPoint(string name, string description, IPEndPoint? fallback = null)
    {
        var option = new Option<IPEndPoint?>(name) { Description = description, HelpName = "HOST:PORT" };
        if (fallback is not null) option.DefaultValueFactory = _ => fallback;
        option.CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return fallback;
            var text = r.Tokens[0].Value;
            if (!IPEndPoint.TryParse(text, out var ep) || ep.Port == 0)
            {
                r.AddError($"{name}: '{text}' is not ADDRESS:PORT");
                return null;
            }
            if (!IPAddress.IsLoopback(ep.Address))
            {
                r.AddError($"{name}: {ep.Address} is not a loopback address; the bench only loads this machine");
                return null;
            }
            return ep;
        };
        return option;
    }

    /// <summary>A loopback IP address.</summary>
    public static Option<IPAddress?> LoopbackAddress(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "ADDR",
        CustomParser = r => ParseRef<IPAddress>(r, null, t => IPAddress.TryParse(t, out var ip) && IPAddress.IsLoopback(ip) ? ip : null, "is not a loopback address"),
    };

    /// <summary>An <c>http://</c> URL on a loopback address.</summary>
    public static Option<Uri?> LoopbackHttp(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "URL",
        CustomParser = r => ParseRef<Uri>(r, null, t =>
            Uri.TryCreate(t, UriKind.Absolute, out var uri) && uri.Scheme == "http" && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip) ? uri : null,
            "is not http://LOOPBACK-ADDRESS:PORT"),
    };

    /// <summary>
    /// Named groups of processes, <c>NAME=PID[,PID…]</c>, the option repeated for several groups:
    /// <c>--cpu: 'x' is not NAME=PID[,PID…]</c>.
    /// </summary>
    public static Option<IReadOnlyList<CpuGroup>> CpuGroups(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "NAME=PID[,PID…]",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
        CustomParser = r =>
        {
            var groups = new List<CpuGroup>();
            foreach (var token in r.Tokens)
            {
                if (CpuGroup.TryParse(token.Value) is { } group) groups.Add(group);
                else r.AddError($"{name}: '{token.Value}' is not NAME=PID[,PID…]");
            }
            return groups;
        },
    };

    /// <summary>A message size: 1k, 32k, 1m or octets (k = 1024), 256 octets to 64m.</summary>
    public static Option<int> Size(string name, int fallback, string description) => new(name)
    {
        Description = description,
        HelpName = "SIZE",
        DefaultValueFactory = _ => fallback,
        CustomParser = r => Parse(r, fallback, t => ParseSize(t), "is not a size between 256 octets and 64m"),
    };

    /// <summary>Parses 1k, 32k, 1m, 4096 (k = 1024); null when not a size between 256 octets and 64m.</summary>
    public static int? ParseSize(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        long factor = 1;
        if (t.EndsWith("kb", StringComparison.Ordinal) || t.EndsWith("mb", StringComparison.Ordinal)) t = t[..^1];
        if (t.EndsWith('k')) { factor = 1024; t = t[..^1]; }
        else if (t.EndsWith('m')) { factor = 1024 * 1024; t = t[..^1]; }
        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n * factor >= 256 && n * factor <= 64L * 1024 * 1024
            ? (int)(n * factor)
            : null;
    }

    /// <summary>
    /// A command validator that runs only when the options parsed: reading an option whose value was refused throws,
    /// and that option's own error is already reported.
    /// </summary>
    public static Action<CommandResult> WhenParsed(Action<CommandResult> validate) => result =>
    {
        try
        {
            validate(result);
        }
        catch (InvalidOperationException)
        {
            // GetValue of an option whose value was refused: that option's own parse error stands for the problem.
        }
    };

    /// <summary>
    /// The value of <paramref name="option"/> in a command validator: there the options not given have no value yet
    /// (defaults are added after validation), so this falls back to the option's default.
    /// </summary>
    public static T? ValueOf<T>(this CommandResult result, Option<T> option) =>
        result.Given(option) ? result.GetValue(option) : option.HasDefaultValue ? (T?)option.GetDefaultValue() : default;

    /// <summary>True when <paramref name="option"/> was given on the command line (not its default).</summary>
    public static bool Given(this CommandResult result, Option option) => result.GetResult(option) is { Implicit: false };

    private static T Parse<T>(ArgumentResult r, T fallback, Func<string, T?> parse, string problem) where T : struct
    {
        if (r.Tokens.Count == 0) return fallback;
        var text = r.Tokens[0].Value;
        if (parse(text) is { } value) return value;
        r.AddError($"{OptionName(r)}: '{text}' {problem}");
        return fallback;
    }

    private static T? ParseRef<T>(ArgumentResult r, T? fallback, Func<string, T?> parse, string problem) where T : class
    {
        if (r.Tokens.Count == 0) return fallback;
        var text = r.Tokens[0].Value;
        if (parse(text) is { } value) return value;
        r.AddError($"{OptionName(r)}: '{text}' {problem}");
        return fallback;
    }

    private static string OptionName(ArgumentResult r) => r.Parent is OptionResult o ? o.Option.Name : r.Argument.Name;
}
