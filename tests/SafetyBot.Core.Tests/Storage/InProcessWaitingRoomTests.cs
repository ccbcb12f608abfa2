using SafetyBot.Core.Handoff;
using SafetyBot.Testing;

namespace SafetyBot.Core.Tests.Storage;

public sealed class InProcessWaitingRoomTests : WaitingRoomContractTests
{
    protected override Task<IWaitingRoom> CreateAsync() => Task.FromResult<IWaitingRoom>(new InProcessWaitingRoom(Clock));
}
