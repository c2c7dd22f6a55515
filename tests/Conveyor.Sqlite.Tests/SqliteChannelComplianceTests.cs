using Conveyor.Channels;
using Conveyor.Channels.Database;
using Conveyor.Compliance.Channels;
using Conveyor.Sqlite.Channels;

namespace Conveyor.Sqlite.Tests;

public sealed class SqliteChannelComplianceTests : ChannelCompliance
{
    private readonly TempDatabase _file = new();

    protected override Task<IReceivingChannel> CreateChannelAsync(TimeProvider time) =>
        Task.FromResult<IReceivingChannel>(new DatabaseChannel("compliance", new SqliteChannelStore(_file.Open()), new DatabaseChannelOptions { PollInterval = TimeSpan.FromMilliseconds(50) }, time));

    protected override Task CleanupAsync()
    {
        _file.Dispose();
        return Task.CompletedTask;
    }
}
