using Conveyor.Compliance.Scheduling;
using Conveyor.Scheduling;
using Conveyor.Sqlite.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Sqlite.Tests;

public sealed class SqliteSchedulerComplianceTests : SchedulerCompliance
{
    private readonly TempDatabase _file = new();

    protected override Task<IMessageScheduler> CreateSchedulerAsync(TimeProvider time) =>
        Task.FromResult<IMessageScheduler>(new SqliteMessageScheduler(_file.Open(), _file.Options(), time, NullLogger<SqliteMessageScheduler>.Instance));

    protected override Task CleanupAsync()
    {
        _file.Dispose();
        return Task.CompletedTask;
    }
}
