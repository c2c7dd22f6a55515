using Microsoft.Data.Sqlite;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>Reads the consumer app's SQLite database (see Conveyor.Kafka.ConsumerApp's WorkDatabase) while the apps write it.</summary>
internal sealed class WorkDatabaseReader(string path)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();

    public string Path { get; } = path;

    /// <summary>Effects applied (rows, duplicates included).</summary>
    public long Effects() => Scalar("SELECT COUNT(*) FROM effects");

    /// <summary>Distinct message ids with an effect.</summary>
    public long DistinctEffects() => Scalar("SELECT COUNT(DISTINCT message_id) FROM effects");

    /// <summary>Handler calls.</summary>
    public long Invocations() => Scalar("SELECT COUNT(*) FROM invocations");

    /// <summary>Handler calls made by one process.</summary>
    public long InvocationsBy(int pid) => Scalar($"SELECT COUNT(*) FROM invocations WHERE pid = {pid}");

    /// <summary>Deliveries recognised as duplicates, by where: <c>store</c> (before the handler) or <c>transaction</c> (inside it).</summary>
    public long Duplicates(string caughtBy) => Scalar($"SELECT COUNT(*) FROM duplicates WHERE caught_by = '{caughtBy}'");

    /// <summary>Message ids with more than one effect row.</summary>
    public List<string> MessagesAppliedTwice() => Strings("SELECT message_id FROM effects GROUP BY message_id HAVING COUNT(*) > 1 LIMIT 20");

    /// <summary>All message ids with an effect.</summary>
    public HashSet<string> EffectMessageIds() => [.. Strings("SELECT DISTINCT message_id FROM effects")];

    private long Scalar(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private List<string> Strings(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 10000;";
        command.ExecuteNonQuery();
        return connection;
    }
}
