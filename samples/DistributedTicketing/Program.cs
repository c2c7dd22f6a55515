using DistributedTicketing;

// 'dotnet run' starts the user, ticket and order services — three hosts in this process — on an embedded Kafka cluster
// (or the one named by the KAFKA_BOOTSTRAP_SERVERS environment variable) and plays the scenario.
await using var system = await TicketingSystem.StartAsync(Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS"));
return await TicketingDemo.RunAsync(system, Console.Out);
