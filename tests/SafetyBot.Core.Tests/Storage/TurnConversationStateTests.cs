using Microsoft.Bot.Builder;
using Microsoft.Bot.Builder.Adapters;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Storage;
using Xunit;

namespace SafetyBot.Core.Tests.Storage;

/// <summary>Conversation state is loaded once, written once per turn that has state, and reads back what was written.</summary>
public sealed class TurnConversationStateTests
{
    private readonly CountingStorage _storage = new(new InProcessStorage(Options.Create(new RetentionOptions()), TimeProvider.System));

    private sealed class Note
    {
        public int Count { get; set; }
    }

    private sealed class CountingStorage(IStorage inner) : IStorage
    {
        public int Reads { get; private set; }

        public int Writes { get; private set; }

        public Task<IDictionary<string, object>> ReadAsync(string[] keys, CancellationToken cancellationToken = default)
        {
            Reads++;
            return inner.ReadAsync(keys, cancellationToken);
        }

        public Task WriteAsync(IDictionary<string, object> changes, CancellationToken cancellationToken = default)
        {
            Writes++;
            return inner.WriteAsync(changes, cancellationToken);
        }

        public Task DeleteAsync(string[] keys, CancellationToken cancellationToken = default) => inner.DeleteAsync(keys, cancellationToken);
    }

    private static TurnContext Turn(string conversation) => new(new TestAdapter(), new Activity
    {
        Type = ActivityTypes.Message,
        ChannelId = "test",
        Conversation = new ConversationAccount { Id = conversation },
        From = new ChannelAccount { Id = "person" },
        Text = "hi",
    });

    private async Task<int> CountAsync(ConversationState state, string conversation, bool change)
    {
        using var turn = Turn(conversation);
        var note = state.CreateProperty<Note>(nameof(Note));
        var value = change ? await note.GetAsync(turn, () => new Note()) : null;
        if (value is not null)
        {
            value.Count++;
            await note.SetAsync(turn, value);
        }
        else
        {
            await state.LoadAsync(turn);
        }

        await state.SaveChangesAsync(turn);
        return value?.Count ?? -1;
    }

    [Fact]
    public async Task ATurnsChanges_AreWrittenOnce_AndReadBackByTheNextTurn()
    {
        var state = new TurnConversationState(_storage);

        Assert.Equal(1, await CountAsync(state, "c1", change: true));
        Assert.Equal(2, await CountAsync(state, "c1", change: true));
        Assert.Equal(3, await CountAsync(new TurnConversationState(_storage), "c1", change: true)); // another host
        Assert.Equal(3, _storage.Reads);
        Assert.Equal(3, _storage.Writes);
    }

    [Fact]
    public async Task AConversationWithoutState_IsNotWritten_WhileItsStateStaysEmpty()
    {
        var state = new TurnConversationState(_storage);

        await CountAsync(state, "quiet", change: false);

        Assert.Equal(1, _storage.Reads);
        Assert.Equal(0, _storage.Writes);
        Assert.Empty(await _storage.ReadAsync(["test/conversations/quiet"]));
    }

    [Fact]
    public async Task LoadingTwiceInATurn_ReadsOnce_AndKeepsTheChangesMadeInBetween()
    {
        var state = new TurnConversationState(_storage);
        using var turn = Turn("c2");
        var note = state.CreateProperty<Note>(nameof(Note));
        (await note.GetAsync(turn, () => new Note())).Count = 5;
        await state.LoadAsync(turn);

        Assert.Equal(5, (await note.GetAsync(turn, () => new Note())).Count);
        Assert.Equal(1, _storage.Reads);
    }
}
