using Conveyor.Compliance;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Tests.Failures;

public sealed class InMemoryDeadLetterStoreComplianceTests : DeadLetterStoreCompliance
{
    protected override Task<IDeadLetterStore> CreateStoreAsync() => Task.FromResult<IDeadLetterStore>(new InMemoryDeadLetterStore());
}
