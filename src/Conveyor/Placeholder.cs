namespace Conveyor; internal static class Placeholder { }
