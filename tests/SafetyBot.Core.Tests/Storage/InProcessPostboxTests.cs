using SafetyBot.Core.Delivery;
using SafetyBot.Testing;

namespace SafetyBot.Core.Tests.Storage;

public sealed class InProcessPostboxTests : PostboxContractTests
{
    protected override Task<IPostboxes> CreateAsync() => Task.FromResult<IPostboxes>(new InProcessPostboxes(Clock));
}
