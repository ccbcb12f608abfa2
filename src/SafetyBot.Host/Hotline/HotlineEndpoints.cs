using System.Security.Claims;
using Microsoft.Bot.Builder;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Transcripts;
using SafetyBot.Host.Staff;

namespace SafetyBot.Host.Hotline;

public sealed record QueueResponse(IReadOnlyList<QueueItem> Items, int StaffOnline);

public sealed record ClaimResponse(string Id, string Outcome, string? Agent);

public sealed record StaffMessageRequest(string? Text);

public sealed record CloseRequest(string? Outcome);

public sealed record PresenceRequest(bool Online);

public sealed record CannedReply(string Key, string Text);

public sealed record TransferRequest(string? To);

/// <summary>What supervisors watch: how long the line is, how long people wait, and what needs attention.</summary>
public sealed record Supervision(
    int Waiting,
    int WaitingCrisis,
    int WaitingUnderEighteen,
    int WithStaff,
    int DeadLetters,
    int StaffOnline,
    int LongestWaitSeconds,
    int AverageWaitSeconds,
    int OverAlert,
    IReadOnlyDictionary<string, int> WaitingByLanguage,
    IReadOnlyDictionary<string, int> HeldByStaff);

public sealed record CannedReplies(string Language, IReadOnlyList<CannedReply> Replies);

public sealed record TranscriptLine(string Role, string? Text, DateTimeOffset At);

public sealed record ConversationView(
    string Id,
    string State,
    string? Agent,
    string Language,
    string Channel,
    string? Country,
    string? Topic,
    IReadOnlyList<string> Signals,
    bool Crisis,
    IReadOnlyDictionary<string, Dictionary<string, string>> Results,
    IReadOnlyList<TranscriptLine> Transcript);

/// <summary>
/// The hotline API behind the console: the queue, one conversation with its whole transcript and results, and what
/// a staff member does with it (take it, write, show typing, add a private note, give it back, close it with an
/// outcome). Staff only; changes need the session's CSRF token; answers are never cached.
/// </summary>
public static class HotlineEndpoints
{
    /// <summary>Outcome codes a conversation can be closed with.</summary>
    public static readonly IReadOnlySet<string> Outcomes = new HashSet<string>(StringComparer.Ordinal)
    {
        "advice-given", "referred-helpline", "referred-police", "emergency-services", "content-removal", "no-response", "not-in-scope", "other",
    };

    public static IServiceCollection AddHotline(this IServiceCollection services)
    {
        services.AddOptions<HotlineOptions>().BindConfiguration(HotlineOptions.SectionName);
        services.AddSingleton<HotlineBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<HotlineBroadcaster>());
        services.AddSingleton<IHotlineFeed, SignalRHotlineFeed>();
        return services;
    }

    public static IEndpointRouteBuilder MapHotline(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapHub<HotlineHub>(HotlineHub.Path).RequireAuthorization(StaffAuthentication.StaffPolicy);
        var api = endpoints.MapGroup("/api/staff").WithTags("Hotline").AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context).ConfigureAwait(false);
        });

        api.MapGet("/queue", async (string? languages, string? topics, HotlineBroadcaster broadcaster, IWaitingRoom room, CancellationToken ct) =>
            {
                // Routing: a staff member's own languages and skills (topics), e.g. ?languages=uk,ru&topics=sextortion,message.
                var wantLanguages = Split(languages);
                var wantTopics = Split(topics);
                var items = (await broadcaster.SnapshotAsync(ct))
                    .Where(i => (wantLanguages.Count == 0 || wantLanguages.Contains(i.Language)) && (wantTopics.Count == 0 || wantTopics.Contains(i.Topic ?? "none")))
                    .ToList();
                return new QueueResponse(items, await room.StaffOnlineAsync(ct));
            })
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("GetQueue")
            .WithSummary("Conversations waiting (crisis, then under 18, then the rest, each in order of arrival), taken, and dead letters; optionally only some languages and topics")
            .Produces<QueueResponse>();

        api.MapGet("/supervision", async (HotlineBroadcaster broadcaster, IWaitingRoom room, CancellationToken ct) =>
            {
                var items = await broadcaster.SnapshotAsync(ct);
                var waiting = items.Where(i => i.State == "waiting").ToList();
                return Results.Json(new Supervision(
                    waiting.Count, waiting.Count(i => i.Band == "crisis"), waiting.Count(i => i.Band == "under18"),
                    items.Count(i => i.State == "claimed"), items.Count(i => i.State == "dead"), await room.StaffOnlineAsync(ct),
                    waiting.Count == 0 ? 0 : waiting.Max(i => i.WaitingSeconds), waiting.Count == 0 ? 0 : (int)waiting.Average(i => i.WaitingSeconds),
                    waiting.Count(i => i.Alert != "none"),
                    waiting.GroupBy(i => i.Language).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                    items.Where(i => i.State == "claimed" && i.Agent is not null).GroupBy(i => i.Agent!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)));
            })
            .RequireStaff(StaffAuthentication.SupervisorPolicy).WithName("GetSupervision")
            .WithSummary("Supervisors: queue length by band and language, waiting times, waits over the alert, dead letters, who holds what")
            .Produces<Supervision>();

        api.MapPost("/presence", async (PresenceRequest request, ClaimsPrincipal user, IWaitingRoom room, CancellationToken ct) =>
            {
                await room.SetPresenceAsync(user.Identity!.Name!, request.Online, TimeSpan.FromSeconds(90), ct);
                return Results.NoContent();
            })
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("SetPresence")
            .WithSummary("Online (repeat at least every 60 s while the console is open) or away").Produces(StatusCodes.Status204NoContent);

        api.MapGet("/conversations/{id}", ViewAsync)
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("GetConversation")
            .WithSummary("The whole transcript (bot turns included), results and signals: for the staff member holding it, or supervisors")
            .Produces<ConversationView>().Produces<StaffErrorResponse>(StatusCodes.Status404NotFound);

        api.MapGet("/conversations/{id}/canned", async (string id, IWaitingRoom room, BotContent content, CancellationToken ct) =>
            {
                if (await FindAsync(room, id, ct) is not { } status)
                {
                    return NotFound();
                }

                var language = content.Catalog.Supports(status.Entry.Language) ? status.Entry.Language : "en";
                var emergency = content.Helplines.For(status.Entry.Country).Emergency;
                var replies = content.Catalog.Keys.Where(k => k.StartsWith("canned.", StringComparison.Ordinal))
                    .Select(k => new CannedReply(k, content.Catalog.Format(language, k, ("emergency", emergency)))).ToList();
                return Results.Json(new CannedReplies(language, replies));
            })
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("GetCannedReplies")
            .WithSummary("Ready-made replies in the person's language (localization keys canned.*)").Produces<CannedReplies>();

        api.MapPost("/conversations/{id}/claim", async (string id, ClaimsPrincipal user, HotlineDesk desk, IWaitingRoom room, Microsoft.Extensions.Options.IOptions<HotlineOptions> options, CancellationToken ct) =>
            {
                if (await FindAsync(room, id, ct) is not { } status)
                {
                    return NotFound();
                }

                if (await AtCapacityAsync(room, user.Identity!.Name!, options.Value, ct))
                {
                    return StaffErrors.Error(StatusCodes.Status409Conflict, "AtCapacity", $"You already hold {options.Value.Capacity} conversations: close or give one back first.");
                }

                var result = await desk.ClaimAsync(status.Entry.Conversation, user.Identity!.Name!, ct);
                return result.Outcome switch
                {
                    ClaimOutcome.Won => Results.Json(new ClaimResponse(id, "won", result.Agent)),
                    ClaimOutcome.TakenByOther => StaffErrors.Error(StatusCodes.Status409Conflict, "TakenByOther", $"{result.Agent} has taken this conversation."),
                    _ => NotFound(),
                };
            })
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("ClaimConversation")
            .WithSummary("Take a waiting conversation; when two staff members click at once, one gets it and the other 409 naming who has it")
            .Produces<ClaimResponse>().Produces<StaffErrorResponse>(StatusCodes.Status409Conflict).Produces<StaffErrorResponse>(StatusCodes.Status404NotFound);

        api.MapPost("/conversations/{id}/messages", async (string id, StaffMessageRequest request, ClaimsPrincipal user, HotlineDesk desk, IWaitingRoom room, CancellationToken ct) =>
            {
                var text = request.Text?.Trim();
                if (string.IsNullOrEmpty(text) || text.Length > HotlineDesk.MaxMessageLength || text.Any(c => char.IsControl(c) && c is not '\n' and not '\t'))
                {
                    return StaffErrors.Error(StatusCodes.Status400BadRequest, "BadMessage", $"A message is 1 to {HotlineDesk.MaxMessageLength} characters of text.");
                }

                return await FindAsync(room, id, ct) is not { } status
                    ? NotFound()
                    : Outcome(await desk.SendAsync(status.Entry.Conversation, user.Identity!.Name!, text, ct), StatusCodes.Status202Accepted);
            })
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("SendMessage")
            .WithSummary("Write to the person (plain text, never HTML), through their own channel")
            .Accepts<StaffMessageRequest>("application/json").Produces(StatusCodes.Status202Accepted)
            .Produces<StaffErrorResponse>(StatusCodes.Status400BadRequest).Produces<StaffErrorResponse>(StatusCodes.Status404NotFound);

        api.MapPost("/conversations/{id}/typing", async (string id, ClaimsPrincipal user, HotlineDesk desk, IWaitingRoom room, CancellationToken ct) =>
                await FindAsync(room, id, ct) is not { } status ? NotFound() : Outcome(await desk.TypingAsync(status.Entry.Conversation, user.Identity!.Name!, ct), StatusCodes.Status204NoContent))
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("ShowTyping")
            .WithSummary("Show the person that the staff member is writing").Produces(StatusCodes.Status204NoContent);

        api.MapPost("/conversations/{id}/heartbeat", async (string id, ClaimsPrincipal user, HotlineDesk desk, IWaitingRoom room, CancellationToken ct) =>
                await FindAsync(room, id, ct) is { } status && await desk.HeartbeatAsync(status.Entry.Conversation, user.Identity!.Name!, ct)
                    ? Results.NoContent()
                    : StaffErrors.Error(StatusCodes.Status403Forbidden, "NotYours", "This conversation is not held by you."))
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("Heartbeat")
            .WithSummary("Keep holding the conversation (the console repeats it; without it the conversation goes back into line)").Produces(StatusCodes.Status204NoContent);

        api.MapPost("/conversations/{id}/notes", async (string id, StaffMessageRequest request, ClaimsPrincipal user, ITranscriptArchive transcripts, IWaitingRoom room, TimeProvider clock, CancellationToken ct) =>
            {
                var text = request.Text?.Trim();
                if (string.IsNullOrEmpty(text) || text.Length > HotlineDesk.MaxMessageLength)
                {
                    return StaffErrors.Error(StatusCodes.Status400BadRequest, "BadNote", $"A note is 1 to {HotlineDesk.MaxMessageLength} characters.");
                }

                if (await FindAsync(room, id, ct) is not { } status || !CanSee(user, status))
                {
                    return NotFound();
                }

                await transcripts.AppendAsync(new ConversationKey(status.Entry.Conversation),
                    [new TranscriptEntry(clock.GetUtcNow(), "note", "message", user.Identity!.Name + ": " + text)], ct);
                return Results.NoContent();
            })
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("AddNote")
            .WithSummary("A private note, kept in the encrypted transcript, never shown to the person").Produces(StatusCodes.Status204NoContent);

        api.MapPost("/conversations/{id}/release", async (string id, ClaimsPrincipal user, HotlineDesk desk, IWaitingRoom room, CancellationToken ct) =>
                await FindAsync(room, id, ct) is not { } status ? NotFound() : Outcome(await desk.ReleaseAsync(status.Entry.Conversation, user.Identity!.Name!, ct), StatusCodes.Status204NoContent))
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("ReleaseConversation")
            .WithSummary("Give the conversation back to the queue at its old place (for a colleague or another language)").Produces(StatusCodes.Status204NoContent);

        api.MapPost("/conversations/{id}/transfer", async (string id, TransferRequest request, ClaimsPrincipal user, HotlineDesk desk, IWaitingRoom room,
            SafetyBot.Core.Staff.IStaffDirectory directory, Microsoft.Extensions.Options.IOptions<HotlineOptions> options, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(request.To) || request.To.Length > 32)
                {
                    return StaffErrors.Error(StatusCodes.Status400BadRequest, "BadColleague", "to must name a colleague.");
                }

                if (await FindAsync(room, id, ct) is not { } status)
                {
                    return NotFound();
                }

                var colleague = request.To.Trim().ToLowerInvariant();
                if (await directory.FindAsync(colleague, ct) is null)
                {
                    return StaffErrors.Error(StatusCodes.Status400BadRequest, "UnknownColleague", $"There is no staff member called {colleague}.");
                }

                if (await AtCapacityAsync(room, colleague, options.Value, ct))
                {
                    return StaffErrors.Error(StatusCodes.Status409Conflict, "AtCapacity", $"{colleague} already holds {options.Value.Capacity} conversations.");
                }

                return Outcome(await desk.TransferAsync(status.Entry.Conversation, user.Identity!.Name!, request.To.Trim().ToLowerInvariant(), ct), StatusCodes.Status204NoContent);
            })
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("TransferConversation")
            .WithSummary("Hand the conversation straight to a colleague (who then holds it)")
            .Accepts<TransferRequest>("application/json").Produces(StatusCodes.Status204NoContent).Produces<StaffErrorResponse>(StatusCodes.Status403Forbidden);

        api.MapPost("/conversations/{id}/close", async (string id, CloseRequest request, ClaimsPrincipal user, HotlineDesk desk, IWaitingRoom room, CancellationToken ct) =>
            {
                if (request.Outcome is null || !Outcomes.Contains(request.Outcome))
                {
                    return StaffErrors.Error(StatusCodes.Status400BadRequest, "BadOutcome", "outcome must be one of: " + string.Join(", ", Outcomes.Order(StringComparer.Ordinal)));
                }

                return await FindAsync(room, id, ct) is not { } status
                    ? NotFound()
                    : Outcome(await desk.CloseAsync(status.Entry.Conversation, user.Identity!.Name!, request.Outcome, ct), StatusCodes.Status204NoContent);
            })
            .RequireStaff(StaffAuthentication.StaffPolicy).WithName("CloseConversation")
            .WithSummary("Close with an outcome code; the person is thanked and has the bot's menu again")
            .Accepts<CloseRequest>("application/json").Produces(StatusCodes.Status204NoContent)
            .Produces<StaffErrorResponse>(StatusCodes.Status400BadRequest).Produces<StaffErrorResponse>(StatusCodes.Status404NotFound);

        return endpoints;
    }

    private static async Task<IResult> ViewAsync(string id, ClaimsPrincipal user, IWaitingRoom room, ITranscriptArchive transcripts, IStorage storage, CancellationToken ct)
    {
        if (await FindAsync(room, id, ct) is not { } status || !CanSee(user, status))
        {
            return NotFound();
        }

        var entry = status.Entry;
        var stateKey = $"{entry.Channel}/conversations/{entry.ConversationId}";
        var state = await storage.ReadAsync([stateKey], ct);
        var data = state.TryGetValue(stateKey, out var stored) && stored is IDictionary<string, object> bag && bag.TryGetValue(nameof(ConversationData), out var d)
            ? d as ConversationData
            : null;
        var lines = (await transcripts.ReadAsync(new ConversationKey(entry.Conversation), ct)).Select(e => new TranscriptLine(e.Role, e.Text, e.Timestamp)).ToList();
        return Results.Json(new ConversationView(id, status.State, status.Agent, entry.Language, entry.Channel, entry.Country, entry.Topic, entry.Signals,
            data?.Crisis ?? false, data?.Results ?? [], lines));
    }

    private static HashSet<string> Split(string? list) =>
        [.. (list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(x => x.Length <= 32)];

    private static async Task<bool> AtCapacityAsync(IWaitingRoom room, string agent, HotlineOptions options, CancellationToken ct) =>
        (await room.ListAsync(ct)).Count(s => s.State == WaitingStates.Claimed && s.Agent == agent) >= options.Capacity;

    /// <summary>Waiting entries are open to every staff member; a taken one to its holder and supervisors.</summary>
    private static bool CanSee(ClaimsPrincipal user, WaitingStatus status) =>
        status.State != WaitingStates.Claimed || status.Agent == user.Identity?.Name || user.IsInRole("supervisor") || user.IsInRole("admin");

    private static async Task<WaitingStatus?> FindAsync(IWaitingRoom room, string id, CancellationToken ct) =>
        id.Length == 32 && id.All(char.IsAsciiHexDigitLower)
            ? await room.FindByIdAsync(id, ct)
            : null;

    private static IResult NotFound() => StaffErrors.Error(StatusCodes.Status404NotFound, "NotFound", "There is no such conversation in the hotline's queue.");

    private static IResult Outcome(DeskOutcome outcome, int success) => outcome switch
    {
        DeskOutcome.Done => Results.StatusCode(success),
        DeskOutcome.NotYours => StaffErrors.Error(StatusCodes.Status403Forbidden, "NotYours", "This conversation is held by someone else, or by nobody."),
        _ => NotFound(),
    };
}
