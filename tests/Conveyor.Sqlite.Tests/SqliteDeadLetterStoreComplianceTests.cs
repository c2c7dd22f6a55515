using Conveyor.Compliance;
using Conveyor.Failures.DeadLetters;
using Conveyor.Sqlite.DeadLetters;

namespace Conveyor.Sqlite.Tests;

public sealed class SqliteDeadLetterStoreComplianceTests : DeadLetterStoreCompliance, IDisposable
{
    private readonly TempDatabase _file = new();

    protected override Task<IDeadLetterStore> CreateStoreAsync() => Task.FromResult<IDeadLetterStore>(new SqliteDeadLetterStore(_file.Open()));

    public void Dispose() => _file.Dispose();
}
