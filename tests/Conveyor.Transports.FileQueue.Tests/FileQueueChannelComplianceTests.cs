using Conveyor.Channels;
using Conveyor.Compliance.Channels;

namespace Conveyor.Transports.FileQueue.Tests;

public sealed class FileQueueChannelComplianceTests : ChannelCompliance
{
    private readonly List<TemporaryDirectory> _directories = [];

    protected override Task<IReceivingChannel> CreateChannelAsync(TimeProvider time)
    {
        var directory = new TemporaryDirectory();
        _directories.Add(directory);
        return Task.FromResult<IReceivingChannel>(new FileQueueChannel("compliance", new FileQueueOptions { Directory = directory.Path }, time));
    }

    protected override Task CleanupAsync()
    {
        foreach (var directory in _directories)
        {
            directory.Dispose();
        }

        return Task.CompletedTask;
    }
}
