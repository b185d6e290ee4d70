using System.Globalization;
using System.Text;

namespace SmarthostLab.Relay.Authentication;

/// <summary>
/// <c>smarthostlab-relay hash-password [--iterations N] [PASSWORD]</c>: prints the PBKDF2 hash of a password in the
/// form <c>Accounts:N:Credentials:M:Password</c> takes. Without PASSWORD it reads the first line of standard input
/// (typed without echo at a terminal). Exit codes: 0 printed, 2 usage error.
/// </summary>
public static class HashPasswordCommand
{
    /// <summary>The subcommand's name, the relay's first argument.</summary>
    public const string Name = "hash-password";

    /// <summary>Usage text of --help.</summary>
    public const string Usage = """
        smarthostlab-relay hash-password [--iterations N] [PASSWORD]
          Prints pbkdf2-sha256$<iterations>$<salt>$<hash> for Accounts:N:Credentials:M:Password.
          Without PASSWORD the first line of standard input is the password (typed without echo at a terminal);
          a PASSWORD argument is seen by other users of the machine (ps) and kept in shell history.
          --iterations N   PBKDF2-HMAC-SHA256 iterations, 1000-10000000 (default 600000)
        """;

    /// <summary>Runs the subcommand with the arguments after its name.</summary>
    /// <param name="args">The arguments after <c>hash-password</c>.</param>
    /// <param name="input">Where the password is read when not given (standard input).</param>
    /// <param name="output">Where the hash is printed.</param>
    /// <param name="error">Where problems and the terminal prompt go.</param>
    /// <param name="terminal">Read the password from the console without echo (standard input is a terminal).</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader input, TextWriter output, TextWriter error, bool terminal = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        var iterations = StoredPassword.DefaultIterations;
        string? password = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                await output.WriteLineAsync(Usage).ConfigureAwait(false);
                return 0;
            }
            if (arg.StartsWith("--iterations", StringComparison.Ordinal))
            {
                var value = arg.Length > "--iterations".Length && arg["--iterations".Length] == '=' ? arg["--iterations=".Length..]
                    : i + 1 < args.Count ? args[++i] : "";
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out iterations)
                    || iterations is < StoredPassword.MinIterations or > StoredPassword.MaxIterations)
                    return await FailAsync(error, $"--iterations: '{value}' is not a number of iterations from {StoredPassword.MinIterations} to {StoredPassword.MaxIterations}").ConfigureAwait(false);
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal) || password is not null)
                return await FailAsync(error, $"{arg}: unknown option (see hash-password --help)").ConfigureAwait(false);
            password = arg;
        }
        password ??= terminal ? ReadHidden(error) : await input.ReadLineAsync().ConfigureAwait(false);
        if (string.IsNullOrEmpty(password)) return await FailAsync(error, "the password is empty (give it as the argument or on standard input)").ConfigureAwait(false);
        await output.WriteLineAsync(StoredPassword.Hash(password, iterations)).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> FailAsync(TextWriter error, string problem)
    {
        await error.WriteLineAsync($"smarthostlab-relay hash-password: {problem}").ConfigureAwait(false);
        return 2;
    }

    /// <summary>A line typed at the terminal, not echoed.</summary>
    private static string ReadHidden(TextWriter prompt)
    {
        prompt.Write("Password: ");
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0) typed.Length--;
                continue;
            }
            if (!char.IsControl(key.KeyChar)) typed.Append(key.KeyChar);
        }
        prompt.WriteLine();
        return typed.ToString();
    }
}
