namespace Conveyor.Kafka; internal static class Placeholder { }
