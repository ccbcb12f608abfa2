namespace SafetyBot.Core.Handoff;

/// <summary>
/// What a person does while a staff member has their conversation, pushed live to the staff console (on any
/// host). The words themselves are also in the encrypted transcript; the feed carries them only in passing.
/// </summary>
public interface IHotlineFeed
{
    Task PersonWroteAsync(string conversation, string text, DateTimeOffset at, CancellationToken cancellationToken);

    Task PersonTypingAsync(string conversation, CancellationToken cancellationToken);
}

/// <summary>No console attached (the bot without the hotline side).</summary>
public sealed class NoHotlineFeed : IHotlineFeed
{
    public Task PersonWroteAsync(string conversation, string text, DateTimeOffset at, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PersonTypingAsync(string conversation, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The public id of a conversation in the hotline's API and console: a hash, never the channel's own id.</summary>
public static class HotlineIds
{
    public static string Of(string conversation) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(conversation)).AsSpan(0, 16));
}
