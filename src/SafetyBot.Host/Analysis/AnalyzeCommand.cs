using System.Globalization;
using System.Text.Json;
using SafetyBot.Core.Analysis;
using SafetyBot.Core.Bot;

namespace SafetyBot.Host.Analysis;

/// <summary>
/// <c>SafetyBot analyze …</c> on the command line, for the people who run a hotline:
/// <list type="bullet">
/// <item><c>analyze [--locale xx] [--role user|received] "text"</c> (or <c>-</c> for standard input) prints the
/// same JSON as <c>POST /api/analyze</c>;</item>
/// <item><c>analyze --file messages.jsonl</c> reads one <c>{"id","text","lang"?}</c> per line and prints one result
/// per line (a line that cannot be read gets an <c>error</c> line, the rest go on);</item>
/// <item><c>analyze check</c> checks every language file and every rule example.</item>
/// </list>
/// </summary>
public static class AnalyzeCommand
{
    public const string Usage = """
        usage: analyze [--locale xx] [--role user|received] "text"     analyse one message ("-" reads standard input)
               analyze [--locale xx] [--role …] --file messages.jsonl   one {"id","text","lang"?} per line ("-" for standard input)
               analyze check                                            check analysis/*.json and every rule example
        """;

    /// <summary>Letters as they are (Cyrillic, Arabic), not as \u escapes: this output is read by people.</summary>
    private static readonly JsonSerializerOptions Readable = new(AnalyzeEndpoints.Json) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? locale = null, file = null, text = null;
        var role = MessageRole.Unknown;
        var check = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--locale" when i + 1 < args.Length:
                    locale = args[++i];
                    break;
                case "--role" when i + 1 < args.Length:
                    var r = args[++i];
                    role = r switch
                    {
                        "user" => MessageRole.User,
                        "received" => MessageRole.Received,
                        _ => MessageRole.Unknown,
                    };
                    if (role == MessageRole.Unknown)
                    {
                        await error.WriteLineAsync($"--role must be user or received, not '{r}'.\n{Usage}").ConfigureAwait(false);
                        return 2;
                    }

                    break;
                case "--file" when i + 1 < args.Length:
                    file = args[++i];
                    break;
                case "check" when text is null && i == 0:
                    check = true;
                    break;
                case "--help" or "-h":
                    await output.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 0;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || text is not null)
                    {
                        await error.WriteLineAsync($"Unexpected argument '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                        return 2;
                    }

                    text = args[i];
                    break;
            }
        }

        SafetyAnalyzer analyzer;
        var folder = SafetyAnalyzer.LocateFolder(BotContent.LocateRoot(Environment.GetEnvironmentVariable("Content__Root")));
        try
        {
            if (check)
            {
                var lexicons = Lexicon.LoadFolder(folder);
                var problems = lexicons.SelectMany(AnalyzerEvaluation.CheckExamples).ToList();
                foreach (var problem in problems)
                {
                    await output.WriteLineAsync(problem).ConfigureAwait(false);
                }

                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{lexicons.Count} language files, {lexicons.Sum(l => l.Rules.Count)} rules, {lexicons.Sum(l => l.Rules.Sum(r => r.Examples.Count + r.NotExamples.Count))} examples: {problems.Count} problem(s).")).ConfigureAwait(false);
                return problems.Count == 0 ? 0 : 1;
            }

            analyzer = SafetyAnalyzer.Load(folder);
        }
        catch (SafetyBot.Core.Localization.ContentValidationException ex)
        {
            await error.WriteLineAsync($"The analyser's rules cannot be loaded: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        if (file is not null)
        {
            return await AnalyzeLinesAsync(analyzer, file == "-" ? input : null, file, locale, role, output).ConfigureAwait(false);
        }

        if (text is null)
        {
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        if (text == "-")
        {
            text = await input.ReadToEndAsync().ConfigureAwait(false);
        }

        await output.WriteLineAsync(JsonSerializer.Serialize(analyzer.Analyze(text, locale, role), Readable)).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> AnalyzeLinesAsync(SafetyAnalyzer analyzer, TextReader? input, string file, string? locale, MessageRole role, TextWriter output)
    {
        TextReader reader;
        try
        {
            reader = input ?? new StreamReader(file);
        }
        catch (IOException ex)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new { error = $"cannot read {file}: {ex.Message}" }, Readable)).ConfigureAwait(false);
            return 1;
        }

        var failed = 0;
        var lineNumber = 0;
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                JsonElement? id = null;
                string? text = null, lang = null;
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    var root = doc.RootElement;
                    if (root.ValueKind == JsonValueKind.Object)
                    {
                        id = root.TryGetProperty("id", out var i) ? i.Clone() : null;
                        text = root.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                        lang = root.TryGetProperty("lang", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
                    }
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException)
                {
                    // reported below
                }

                if (text is null)
                {
                    failed++;
                    await output.WriteLineAsync(JsonSerializer.Serialize(new { id, line = lineNumber, error = "expected {\"id\": …, \"text\": \"…\", \"lang\": \"xx\" (optional)}" }, Readable)).ConfigureAwait(false);
                    continue;
                }

                var result = analyzer.Analyze(text, lang ?? locale, role);
                await output.WriteLineAsync(JsonSerializer.Serialize(new { id, result.Language, result.Signals, result.Crisis }, Readable)).ConfigureAwait(false);
            }
        }
        finally
        {
            if (input is null)
            {
                reader.Dispose();
            }
        }

        return failed == 0 ? 0 : 1;
    }
}
