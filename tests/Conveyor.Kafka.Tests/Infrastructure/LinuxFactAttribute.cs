namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>A test that reads Linux-only process information such as <c>/proc/self/maps</c>.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Reads Linux process information.";
        }
    }
}
