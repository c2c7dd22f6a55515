// For a fragment from the middle of Program.cs: 'builder', from Host.CreateApplicationBuilder(args), and the Program
// class that ScanAssemblyOf<Program>() names.
using Microsoft.Extensions.Hosting;

internal sealed partial class Snippets
{
    private readonly HostApplicationBuilder builder = null!;
}

public sealed class Program;
