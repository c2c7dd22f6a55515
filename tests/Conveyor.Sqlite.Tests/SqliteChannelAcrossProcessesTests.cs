using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Conveyor.Sqlite.ChannelApp;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Sqlite.Tests;

/// <summary>
/// Competing consumers in separate processes on one database file: two Conveyor.Sqlite.ChannelApp processes and this
/// one consume one channel; each message is handled once (the handler's primary key would refuse a second time).
/// </summary>
public sealed class SqliteChannelAcrossProcessesTests : IDisposable
{
    private const int Messages = 300;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly TempDatabase _file = new();

    private static string AppPath { get; } = typeof(SqliteChannelAcrossProcessesTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "ChannelAppPath").Value
        ?? throw new InvalidOperationException("The test assembly does not record where Conveyor.Sqlite.ChannelApp.dll was built.");

    [Fact]
    public async Task ThreeProcesses_OnOneFile_HandleEachMessageOnce()
    {
        _file.Scalar(Worker.CreateTable);
        await using var provider = new ServiceCollection()
            .AddLogging()
            .AddConveyor(c => c.AddHandler<Worker>().UseSqlite(_file.ConnectionString).AddSqliteChannel(Worker.Channel, o => o.PollInterval = TimeSpan.FromMilliseconds(100)))
            .BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var bus = provider.GetRequiredService<ICommandBus>();
        for (var i = 0; i < Messages; i++)
        {
            await bus.SendAsync(new Work(i));
        }

        var apps = new List<App>();
        try
        {
            apps.Add(await StartAppAsync());
            apps.Add(await StartAppAsync());
            using var stop = new CancellationTokenSource();
            var local = provider.GetRequiredService<IConsumerRunner>().RunAsync(Worker.Channel, cancellationToken: stop.Token);
            var clock = Stopwatch.StartNew();
            while (Count("SELECT COUNT(*) FROM handled;") < Messages && !local.IsCompleted && apps.All(a => !a.Process.HasExited))
            {
                clock.Elapsed.ShouldBeLessThan(Timeout, $"only {Count("SELECT COUNT(*) FROM handled;")} of {Messages} messages were handled");
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }

            await stop.CancelAsync();
            var run = await local.WaitAsync(Timeout);
            run.Failed.ShouldBe(0, "a message handled twice would fail on the primary key");
            foreach (var app in apps)
            {
                app.Process.HasExited.ShouldBeFalse($"a channel app exited early: {app.Errors}");
                app.Process.StandardInput.Close();
                await app.Process.WaitForExitAsync().WaitAsync(Timeout);
                app.Process.ExitCode.ShouldBe(0, app.Errors);
            }
        }
        finally
        {
            foreach (var app in apps)
            {
                if (!app.Process.HasExited)
                {
                    app.Process.Kill(entireProcessTree: true);
                }

                app.Process.Dispose();
            }
        }

        Count("SELECT COUNT(*) FROM handled;").ShouldBe(Messages);
        Count("SELECT COUNT(*) FROM conveyor_channel_messages;").ShouldBe(0);
        Count("SELECT COUNT(*) FROM conveyor_dead_letters;").ShouldBe(0, "no process failed a message");
        Count("SELECT COUNT(DISTINCT process) FROM handled;").ShouldBeGreaterThan(0);
    }

    private async Task<App> StartAppAsync()
    {
        File.Exists(AppPath).ShouldBeTrue($"{AppPath} should have been built with the tests");
        var start = new ProcessStartInfo(DotnetPath())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppPath);
        start.ArgumentList.Add(_file.Path);
        var app = new App(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
        var ready = await app.Process.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
        if (ready is null)
        {
            await app.Process.WaitForExitAsync().WaitAsync(Timeout);
        }

        ready.ShouldNotBeNull($"the channel app exited before it was ready: {app.Errors}");
        ready.ShouldStartWith("ready pid=");
        return app;
    }

    /// <summary>A started channel app; its stderr is read as it comes, so that a full pipe never blocks it.</summary>
    private sealed class App
    {
        private readonly ConcurrentQueue<string> _errors = new();

        public App(Process process)
        {
            Process = process;
            process.ErrorDataReceived += (_, line) =>
            {
                if (line.Data is { } text)
                {
                    _errors.Enqueue(text);
                }
            };
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Errors => string.Join(Environment.NewLine, _errors);
    }

    private static string DotnetPath()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private long Count(string sql) => (long)_file.Scalar(sql)!;

    public void Dispose() => _file.Dispose();
}
