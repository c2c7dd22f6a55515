namespace Conveyor.Testing; internal static class Placeholder { }
