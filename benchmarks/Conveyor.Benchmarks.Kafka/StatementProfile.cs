using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>One kind of statement a profiled run sent: how many, and how long each took as the client saw it.</summary>
public sealed record StatementCount(string Statement, long Count, TimeSpan Total);

/// <summary>
/// Counts the statements Npgsql sends while it is alive (its <c>Npgsql</c> activity source: one activity per command
/// or batch, timed from the send to the last row read), by their SQL with the schema name and parameters elided. A
/// transaction's <c>BEGIN</c> rides on its first command; its <c>COMMIT</c> is not a traced command, so the caller
/// counts transactions from the server (<c>pg_stat_database</c>).
/// </summary>
internal sealed partial class StatementProfile : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<string, (long Count, long Ticks)> _statements = new();

    public StatementProfile()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<StatementCount> Statements =>
        [.. _statements.Select(s => new StatementCount(s.Key, s.Value.Count, TimeSpan.FromTicks(s.Value.Ticks))).OrderByDescending(s => s.Count)];

    public void Dispose() => _listener.Dispose();

    private void Record(Activity activity)
    {
        var sql = activity.GetTagItem("db.query.text") as string ?? activity.GetTagItem("db.statement") as string ?? activity.DisplayName;
        var key = Shorten(sql);
        _statements.AddOrUpdate(key, (1, activity.Duration.Ticks), (_, v) => (v.Count + 1, v.Ticks + activity.Duration.Ticks));
    }

    private static string Shorten(string sql)
    {
        var text = Whitespace().Replace(Schema().Replace(sql, ""), " ").Trim();
        return text.Length <= 90 ? text : text[..90] + "…";
    }

    [GeneratedRegex(@"""?bench_[a-z_]+_[0-9a-f]{32}""?\.")]
    private static partial Regex Schema();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
