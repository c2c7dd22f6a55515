using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Conveyor.Kafka.Embedded.Native;

/// <summary>
/// Owns a <c>rd_kafka_mock_cluster_t</c> and the <c>rd_kafka_t</c> it was created on.
/// </summary>
/// <remarks>
/// As a <see cref="SafeHandle"/> it is reference-counted by every call that passes it, so disposing
/// the cluster while another thread is inside a mock call waits for that call instead of freeing the
/// cluster under it, and a call after disposal throws <see cref="ObjectDisposedException"/>.
/// </remarks>
internal sealed class MockClusterHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly nint owner;

    private MockClusterHandle(nint cluster, nint owner)
        : base(ownsHandle: true)
    {
        SetHandle(cluster);
        this.owner = owner;
    }

    /// <summary>Creates an internal producer handle and a mock cluster of <paramref name="brokerCount"/> brokers on it.</summary>
    internal static unsafe MockClusterHandle Create(int brokerCount)
    {
        LoadedLibRdKafka.EnsureResolverInstalled();

        var conf = LibRdKafka.ConfNew();
        const int errorSize = 512;
        var error = stackalloc byte[errorSize];
        // The handle only hosts the cluster and never connects anywhere: warning level hides its
        // notice about having no bootstrap.servers, and keeps the cluster's warnings and errors.
        foreach (var (name, value) in (ReadOnlySpan<(string, string)>)[("client.id", "conveyor-embedded-kafka"), ("log_level", "4")])
        {
            if (LibRdKafka.ConfSet(conf, name, value, error, errorSize) != LibRdKafka.ConfOk)
            {
                LibRdKafka.ConfDestroy(conf);
                throw new InvalidOperationException($"rd_kafka_conf_set({name}={value}) failed: " + Marshal.PtrToStringUTF8((nint)error));
            }
        }

        var rk = LibRdKafka.New(LibRdKafka.ProducerType, conf, error, errorSize);
        if (rk == 0)
        {
            LibRdKafka.ConfDestroy(conf);
            throw new InvalidOperationException(
                "rd_kafka_new failed to create the handle for the embedded Kafka cluster: " + Marshal.PtrToStringUTF8((nint)error));
        }

        var cluster = LibRdKafka.MockClusterNew(rk, brokerCount);
        if (cluster == 0)
        {
            LibRdKafka.Destroy(rk);
            throw new InvalidOperationException(
                $"rd_kafka_mock_cluster_new failed to start an embedded Kafka cluster of {brokerCount} brokers (see librdkafka's log on stderr).");
        }

        return new MockClusterHandle(cluster, rk);
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        // The cluster keeps using its rd_kafka_t until it is gone: destroy it first.
        LibRdKafka.MockClusterDestroy(handle);
        LibRdKafka.Destroy(owner);
        return true;
    }
}
