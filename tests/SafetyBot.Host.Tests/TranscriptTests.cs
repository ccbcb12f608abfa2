using System.Text.Json.Nodes;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Localization;
using SafetyBot.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace SafetyBot.Host.Tests;

/// <summary>
/// Conversations as data (<c>tests/data/transcripts/*.json</c>), replayed in each of their languages through the
/// real host over Direct Line: what the person taps or types, and the texts SafetyBot must answer with, in order.
/// </summary>
public sealed class TranscriptTests(TranscriptTests.Host host) : IClassFixture<TranscriptTests.Host>
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json").Order(StringComparer.Ordinal))
        {
            var transcript = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            foreach (var language in transcript["locales"]!.AsObject().Select(p => p.Key))
            {
                data.Add(Path.GetFileNameWithoutExtension(file), language);
            }
        }

        return data;
    }

    [Fact]
    public void EveryFlow_HasTranscripts_InAtLeastFourLanguages_AndTheWelcomeInAll()
    {
        var catalog = host.Catalog;
        var covered = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json"))
        {
            var transcript = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            var languages = covered.TryGetValue((string)transcript["flow"]!, out var set) ? set : covered[(string)transcript["flow"]!] = [];
            languages.UnionWith(transcript["locales"]!.AsObject().Select(p => p.Key));
        }

        var content = host.Services.GetRequiredService<BotContent>();
        foreach (var flow in content.Flows.Flows)
        {
            Assert.True(covered.TryGetValue(flow.Id, out var languages) && languages.Count >= 4, $"flow '{flow.Id}' needs transcripts in at least 4 languages");
        }

        Assert.True(covered["welcome"].SetEquals(catalog.Languages.Select(l => l.Code)), "the welcome needs a transcript in every language");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Transcript_ReplaysOverDirectLine(string name, string language)
    {
        var transcript = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, name + ".json")))!.AsObject();
        var locale = (string?)transcript["locales"]![language];
        var words = transcript["words"]?.AsObject();
        var catalog = host.Catalog;
        var room = host.Services.GetRequiredService<IWaitingRoom>();
        var agent = "transcript-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await DirectLineTestClient.StartAsync(host.BaseUrl, locale);

        var person = language; // typed words stay in the person's language even after the bot switches
        var seen = new List<JsonObject>();
        var steps = transcript["steps"]!.AsArray();
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i]!.AsObject();
            var where = $"{name}.json ({language}), step {i}";
            if (step["staffOnline"] is { } online)
            {
                await room.SetPresenceAsync(agent, (int)online > 0, TimeSpan.FromMinutes(10));
            }

            if (step["tap"] is { } tap || step["tapTitle"] is not null)
            {
                var title = step["tapTitle"] is { } literal ? (string)literal! : catalog.Get(language, (string)step["tap"]!);
                var withButton = seen.Where(m => Buttons(m).Any(b => (string?)b["title"] == title)).ToList();
                Assert.True(withButton.Count > 0, $"{where}: no button '{title}' was offered");

                // "stale": the button of an earlier question, not the one asked now.
                var message = (bool?)step["stale"] == true ? withButton[^2] : withButton[^1];
                var button = Buttons(message).Last(b => (string?)b["title"] == title);
                await client.SayAsync((string?)button["text"] ?? title, button["value"]?.DeepClone());
            }

            if (step["say"] is { } say)
            {
                await client.SayAsync(Resolve((string)say!, words, person, where));
            }

            if (step["language"] is { } switched)
            {
                language = (string)switched!;
            }

            var received = new List<string>();
            foreach (var expected in step["expect"]?.AsArray() ?? [])
            {
                var (key, count) = SplitCount((string)expected!);
                JsonObject reply;
                try
                {
                    reply = await client.NextBotMessageAsync(timeout: TimeSpan.FromSeconds(20));
                }
                catch (OperationCanceledException)
                {
                    throw new Xunit.Sdk.XunitException($"{where}: no reply arrived; expected '{key}' after [{string.Join(" | ", received)}]");
                }

                var text = DirectLineTestClient.TextOf(reply);
                var want = count is null ? catalog.Get(language, key) : catalog.FormatPlural(language, key, count.Value);
                var prefix = want.Split('{')[0];
                Assert.True(text.StartsWith(prefix, StringComparison.Ordinal), $"{where}: expected '{key}' (\"{prefix}…\"), got \"{text}\"");
                Assert.Equal(language, (string?)reply["locale"]);
                received.Add(text);
                seen.Add(reply);
            }

            var all = string.Join("\n", received);
            foreach (var part in step["contains"]?.AsArray() ?? [])
            {
                var wanted = (string)part!;
                var value = wanted.StartsWith("key:", StringComparison.Ordinal) ? catalog.Get(language, wanted[4..]).Split('{')[0] : Resolve(wanted, words, person, where);
                Assert.True(all.Contains(value, StringComparison.Ordinal), $"{where}: expected the replies to contain \"{value}\", got \"{all}\"");
            }

            foreach (var absent in step["lacks"]?.AsArray() ?? [])
            {
                Assert.DoesNotContain(Resolve((string)absent!, words, person, where), all, StringComparison.Ordinal);
            }

            if (step["buttons"] is { } buttons)
            {
                var offered = Buttons(seen[^1]).Select(b => (string?)b["title"]).ToList();
                foreach (var key in buttons.AsArray().Select(b => (string)b!))
                {
                    Assert.True(offered.Contains(catalog.Get(language, key)), $"{where}: the last reply should offer '{key}', it offers [{string.Join(", ", offered)}]");
                }

                // Every screen offers a person (or, while waiting for one, to stop waiting) and a way out.
                Assert.True(offered.Contains(catalog.Get(language, "menu.human")) || offered.Contains(catalog.Get(language, "human.cancel")), $"{where}: no way to a person");
                Assert.Contains(catalog.Get(language, "menu.exit"), offered);
            }
        }

        await room.SetPresenceAsync(agent, online: false, TimeSpan.Zero);
    }

    private static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "data", "transcripts");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("tests/data/transcripts not found above " + AppContext.BaseDirectory);
        }
    }

    private static List<JsonObject> Buttons(JsonObject message) =>
        message["suggestedActions"]?["actions"]?.AsArray().Select(a => a!.AsObject()).ToList() ?? [];

    /// <summary>"$name" is a word of the transcript in the language; anything else is literal.</summary>
    private static string Resolve(string text, JsonObject? words, string language, string where)
    {
        if (!text.StartsWith('$'))
        {
            return text;
        }

        return (string?)words?[text[1..]]?[language]
            ?? throw new Xunit.Sdk.XunitException($"{where}: the transcript has no '{text[1..]}' for {language}");
    }

    private static (string Key, int? Count) SplitCount(string expected)
    {
        var hash = expected.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? (expected, null) : (expected[..hash], int.Parse(expected[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>One host for all transcripts (each runs its own conversation), in-process storage.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private TestHost? _host;

        public Uri BaseUrl => _host!.BaseUrl;

        public IServiceProvider Services => _host!.Services;

        public TextCatalog Catalog => Services.GetRequiredService<TextCatalog>();

        public async Task InitializeAsync() =>
            _host = await TestHost.StartAsync(new Dictionary<string, string?> { ["DirectLine:TokensPerIpPerMinute"] = "100000" });

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }
}
